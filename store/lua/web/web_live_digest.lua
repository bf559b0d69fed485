-- web_live_digest: a digest of what the live board shows, to tell when to push
-- (services/web/src/live_updates.cpp)
--
local open = redis.call('SMEMBERS', 'cases:open')
local events = 0
for _, id in ipairs(open) do events = events + redis.call('LLEN', 'case:' .. id .. ':timeline') end
return table.concat({#open, events, redis.call('GET', 'clock:simulated_ms') or '-',
                     redis.call('GET', 'web:version') or '0',
                     redis.call('ZCARD', 'deadlines:due') or 0}, ':')
