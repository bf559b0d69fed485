-- cases_due_with_cases: the deadline engine's due timers, each with its case's state
-- (services/cases/src/case_store.cpp, RedisCaseStore::due_with_cases): one round trip.
-- KEYS: none (reads deadlines:due and each case's keys: lib/cases_load_case.lua).
-- ARGV: 1 now (domain ms), 2 limit (store::CaseDueArgs).
-- Reply: {number of timers due (up to the limit), then per timer: member, score, its case's
-- state (piket_load_case's reply)}: the timers due, earliest first, up to the first one of a
-- case already listed (store::parse_due_with_cases).
--#include "lib/cases_load_case.lua"
local r = redis.call('ZRANGEBYSCORE', 'deadlines:due', '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0,
                     tonumber(ARGV[2]))
local out = {#r / 2}
local seen = {}
for i = 1, #r, 2 do
  local id = string.match(r[i], '^[^|]*')
  if seen[id] then break end
  seen[id] = true
  out[#out + 1] = r[i]
  out[#out + 1] = r[i + 1]
  out[#out + 1] = piket_load_case(id)
end
return out
