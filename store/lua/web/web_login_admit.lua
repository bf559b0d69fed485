-- web_login_admit: admits a sign-in attempt or tells how long to wait (per account, per address)
-- (services/web/src/login_guard.cpp)
--
-- KEYS: 1 account, 2 address. ARGV: 1 now ms, 2 window ms, 3 free failures,
-- 4 address max failures, 5 max delay ms, 6 first delay ms.
-- Returns {'admitted'} or {'account'|'address', retry after ms}.
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local a = redis.call('HMGET', KEYS[2], 'count', 'since')
local count, since = tonumber(a[1]) or 0, tonumber(a[2]) or now
if now - since >= window or now < since then count, since = 0, now end
if count >= tonumber(ARGV[4]) then return {'address', since + window - now} end
local f = redis.call('HMGET', KEYS[1], 'failures', 'last', 'next_at')
local failures, last, next_at = tonumber(f[1]) or 0, tonumber(f[2]) or 0, tonumber(f[3]) or 0
if failures > 0 and now - last >= window then failures, next_at = 0, 0 end
if next_at > now then return {'account', next_at - now} end
-- Admitted: counted as a failure now; a success takes it back.
failures = failures + 1
local free = tonumber(ARGV[3])
if failures >= free then
  next_at = now + math.min(tonumber(ARGV[5]), tonumber(ARGV[6]) * 2 ^ math.min(failures - free, 30))
else
  next_at = 0
end
redis.call('HSET', KEYS[1], 'failures', failures, 'last', now, 'next_at', next_at)
redis.call('PEXPIRE', KEYS[1], window + tonumber(ARGV[5]))
redis.call('HSET', KEYS[2], 'count', count + 1, 'since', since)
redis.call('PEXPIRE', KEYS[2], window)
return {'admitted'}
