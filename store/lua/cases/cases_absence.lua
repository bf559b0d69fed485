-- cases_absence: marks a casemanager absent or available again, on their cases' timelines
-- (services/cases/src/case_store.cpp, RedisCaseStore::set_absence; piket-web runs it in-process)
-- Records the absence (from `since`, until `until` if given) or drops it, notes it on the
-- timeline of each of the person's open cases and asks the deadline engine to evaluate those
-- cases now (lib/deadline_resync.lua).
-- KEYS: none (person:{id}:absence, caseload:{person}, case:{id}:timeline, deadlines:due).
-- ARGV (store::CaseAbsenceArgs): 1 person, 2 absent '1'/'0', 3 since (domain ms), 4 until
-- (domain ms) or '', 5 by, 6 now (domain ms).
-- Reply: how many cases the person holds (the timelines noted).
--#include "lib/deadline_resync.lua"
local key = 'person:' .. ARGV[1] .. ':absence'
local ev = {at = tonumber(ARGV[6]), person = ARGV[1], by = ARGV[5]}
if ARGV[2] == '1' then
  redis.call('DEL', key)
  redis.call('HSET', key, 'since', ARGV[3], 'by', ARGV[5], 'recorded_at', ARGV[6])
  if ARGV[4] ~= '' then redis.call('HSET', key, 'until', ARGV[4]) end
  ev.type = 'casemanager_absent'
  ev.since = tonumber(ARGV[3])
  if ARGV[4] ~= '' then ev['until'] = tonumber(ARGV[4]) end
else
  redis.call('DEL', key)
  ev.type = 'casemanager_available'
end
local entry = cjson.encode(ev)
local cases = redis.call('SMEMBERS', 'caseload:' .. ARGV[1])
for _, id in ipairs(cases) do
  redis.call('RPUSH', 'case:' .. id .. ':timeline', entry)
  piket_deadline_resync(id, ARGV[6])
end
return #cases
