-- ingest_incident_case (lib): what piket-cases changes on the incidents of its cases
-- Owner: piket-ingest (incident:{id}). This is the incident's store API for
-- piket-cases' scripts, which change an incident in the same script as the
-- case it belongs to (atomicity): the join and split of cases move it
-- (cases_join.lua, cases_split.lua), a recorded event notes a fact of it
-- (cases_record.lua), a deadline step escalates it (cases_fire.lua).
-- (The status changes paging makes are in lib/ingest_incident_status.lua: a
-- separate file, so that each Redis user's scripts name only the commands it
-- may run — docs/secrets.md.)
--
--   piket_incident_moved(id, case_id): the incident belongs to case_id now
--     (case_id: the survivor of a join, or the case split off).
--   piket_incident_case_fact(id, field, value): a fact the case records for
--     this incident (contact_at, plan_at: docs/deadlines.md "Clocks per
--     incident"); the caller checks that the incident is the case's.
--   piket_incident_escalated_by_deadline(id, at): a deadline step escalated
--     it: dispatched or acknowledged -> escalated; escalated_at the first
--     time. An incident that does not exist stays absent.
local function piket_incident_moved(id, case_id)
  redis.call('HSET', 'incident:' .. id, 'case_id', case_id)
end
local function piket_incident_case_fact(id, field, value)
  redis.call('HSET', 'incident:' .. id, field, value)
end
local function piket_incident_escalated_by_deadline(id, at)
  local inc = 'incident:' .. id
  local st = redis.call('HGET', inc, 'status')
  if st == 'dispatched' or st == 'acknowledged' then
    redis.call('HSET', inc, 'status', 'escalated')
  end
  if st then redis.call('HSETNX', inc, 'escalated_at', at) end
end
