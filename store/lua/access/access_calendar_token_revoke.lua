-- access_calendar_token_revoke: revokes one calendar token
-- (access/src/calendar_tokens.cpp)
--
-- KEYS: 1 caltokens:{person}. ARGV: 1 id.
local hash = redis.call('HGET', KEYS[1], ARGV[1])
if not hash then return 0 end
redis.call('DEL', 'caltoken:' .. hash)
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
