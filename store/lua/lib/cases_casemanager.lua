-- cases_casemanager (lib): piket_case_assign_if_none(case_id, person, event), a case's first casemanager
-- When case:{case_id} has no casemanager yet, makes `person` its casemanager:
-- the case's casemanager field, the case in caseload:{person}, and `event`
-- (a Lua table: casemanager_assigned, stored as JSON) on its timeline; returns
-- true. A case that has one keeps it (nothing written; false). Owner:
-- piket-cases (case:{id}, caseload:{person}, the timeline). This is
-- piket-cases' store API for dispatch's commit script (dispatch_incident.lua),
-- which assigns the case in the same script as it pages its casemanager
-- (atomicity: the page and the assignment are one step).
-- With `events` (a list), `event` is added to it instead, for the caller's
-- one write of the timeline (piket_case_timeline_append_all).
-- Reassignment is piket-cases' own (cases_record.lua).
--#include "lib/cases_timeline.lua"
local function piket_case_assign_if_none(case_id, person, event, events)
  local c = 'case:' .. case_id
  local cur = redis.call('HGET', c, 'casemanager')
  if cur and cur ~= '' then return false end
  redis.call('HSET', c, 'casemanager', person)
  redis.call('SADD', 'caseload:' .. person, case_id)
  if events then
    events[#events + 1] = event
  else
    piket_case_timeline_append(case_id, event)
  end
  return true
end
