-- simulated_clock_move: moves a simulated deployment's shared clock
-- (common/shared_clock.hpp; POST /v1/admin/clock), never backwards.
--
-- KEYS[1]  clock:simulated_ms  string  the shared simulated time, epoch ms
-- ARGV[1]  'advance' or 'set'
-- ARGV[2]  advance: by how many ms; set: to which epoch ms
--
-- Returns {1, new time} and publishes the new time on clock:changed, or
-- {0, current time} when 'set' lies before the current time (nothing changes).
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local target
if ARGV[1] == 'advance' then target = cur + tonumber(ARGV[2]) else target = tonumber(ARGV[2]) end
if target < cur then return {0, cur} end
-- PUBLISH first: a caller whose Redis user may not publish on clock:changed
-- (every service but ingest) is refused before anything is written. Redis
-- delivers the message only after the script, so nobody reads the old time.
redis.call('PUBLISH', 'clock:changed', tostring(target))
redis.call('SET', KEYS[1], tostring(target))
return {1, target}
