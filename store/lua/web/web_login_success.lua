-- web_login_success: a successful sign-in takes its counted failure back
-- (services/web/src/login_guard.cpp)
--
-- KEYS: 1 account, 2 address.
redis.call('DEL', KEYS[1])
local count = tonumber(redis.call('HGET', KEYS[2], 'count') or '0')
if count > 0 then redis.call('HSET', KEYS[2], 'count', count - 1) end
return 1
