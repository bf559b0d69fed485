-- access_calendar_token_create: stores a new calendar token, within the per-person limit
-- (access/src/calendar_tokens.cpp)
--
-- KEYS: 1 caltokens:{person}, 2 caltoken:{hash}. ARGV: 1 id, 2 hash, 3 person,
-- 4 created_at ms, 5 by, 6 the most a person may hold.
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[6]) then return 0 end
redis.call('HSET', KEYS[2], 'person', ARGV[3], 'id', ARGV[1], 'created_at', ARGV[4], 'by', ARGV[5])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
