-- web_audit_append: appends one line to the audit chain if the head is still the one expected
-- (services/web/src/audit_log.cpp)
--
-- KEYS: 1 log, 2 head, 3 (optional) a refusal tally's minute web:unauth:{minute}
-- (services/web/src/refusal_tally.cpp). ARGV: 1 expected head ('' for none), 2 line, 3 new
-- head; with KEYS[3]: 4 the tally's field (an address or "other"), 5 the count the line reports.
-- Reply: {1, new head} (appended) | {0, current head} (another writer appended first: nothing
-- written) | {2, current head} (with KEYS[3]: the field holds less than ARGV[5] — another web
-- process wrote that line already: nothing written).
--
-- With KEYS[3] the line's count is taken from the tally in the same script (the field is
-- dropped, or lowered by ARGV[5] when more was counted meanwhile), so a tally line is written
-- once however many web processes write the minute, and a process that dies halfway leaves the
-- lines it did not write, and only those, to the next (docs/availability.md).
local head = redis.call('GET', KEYS[2]) or ''
local take = 0
local have = 0
if KEYS[3] then
  take = tonumber(ARGV[5])
  have = tonumber(redis.call('HGET', KEYS[3], ARGV[4]) or '0')
  if have < take then return {2, head} end
end
if head ~= ARGV[1] then return {0, head} end
redis.call('RPUSH', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3])
if KEYS[3] then
  if have == take then
    redis.call('HDEL', KEYS[3], ARGV[4])
  else
    redis.call('HINCRBY', KEYS[3], ARGV[4], -take)
  end
end
return {1, ARGV[3]}
