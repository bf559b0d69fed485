-- web_audit_append: appends one line to the audit chain if the head is still the one expected
-- (services/web/src/audit_log.cpp)
--
-- KEYS: 1 log, 2 head. ARGV: 1 expected head ('' for none), 2 line, 3 new head.
local head = redis.call('GET', KEYS[2]) or ''
if head ~= ARGV[1] then return {0, head} end
redis.call('RPUSH', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3])
return {1, ARGV[3]}
