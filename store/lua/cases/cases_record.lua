-- cases_record: records an event on a case, all or nothing
-- (services/cases/src/case_store.cpp, RedisCaseStore::record and record_many; piket-web runs it
-- in-process)
-- Its timeline entry, case fields, incident fields, reassignment or closing, cases:monitoring
-- and the new timers. The incident fields are the facts piket-cases records on the case's
-- own incidents (contact_at, plan_at): it calls the incident's store API (piket-ingest's,
-- lib/ingest_incident_case.lua) in the same script for atomicity (the event and its facts are
-- one step; docs/data-model.md "Who writes what").
-- KEYS: none (case:{id}, :timeline, :timers, incident:{id}, caseload:{person}, cases:open,
-- cases:monitoring, deadlines:due).
-- ARGV (store::CaseRecordArgs): 1 case, 2 version, 3 timeline entry (JSON), 4 op
-- (none|reassign|close), 5 new casemanager, 6 number of case fields N, 7.. N field/value
-- pairs, then the number of incident fields M and M incident/field/value triples (each
-- incident one of the case's), then timer member/due pairs.
-- Reply: 'missing', 'stale' (the timeline grew, or an incident is not the case's), 'closed'
-- (closed or merged: nothing written) or 'done'.
--#include "lib/cases_sync_timers.lua"
--#include "lib/ingest_incident_case.lua"
--#include "lib/cases_monitoring_refresh.lua"
local c = 'case:' .. ARGV[1]
if redis.call('EXISTS', c) == 0 then return 'missing' end
if redis.call('LLEN', c .. ':timeline') ~= tonumber(ARGV[2]) then return 'stale' end
local state = redis.call('HGET', c, 'state')
if state == 'closed' or state == 'merged' then return 'closed' end
redis.call('RPUSH', c .. ':timeline', ARGV[3])
local n = tonumber(ARGV[6])
local m_at = 7 + 2 * n
local m = tonumber(ARGV[m_at])
for i = 0, m - 1 do
  local inc = ARGV[m_at + 1 + 3 * i]
  if redis.call('HGET', 'incident:' .. inc, 'case_id') ~= ARGV[1] then return 'stale' end
end
for i = 0, n - 1 do redis.call('HSET', c, ARGV[7 + 2 * i], ARGV[8 + 2 * i]) end
for i = 0, m - 1 do
  piket_incident_case_fact(ARGV[m_at + 1 + 3 * i], ARGV[m_at + 2 + 3 * i],
                           ARGV[m_at + 3 + 3 * i])
end
local cm = redis.call('HGET', c, 'casemanager')
if ARGV[4] == 'reassign' then
  if cm and cm ~= '' then redis.call('SREM', 'caseload:' .. cm, ARGV[1]) end
  redis.call('HSET', c, 'casemanager', ARGV[5])
  redis.call('SADD', 'caseload:' .. ARGV[5], ARGV[1])
elseif ARGV[4] == 'close' then
  -- The household keys stay: a new incident of the family opens a new case
  -- linked to this one (ingest's acceptance script, [cases] household_link_days).
  redis.call('SREM', 'cases:open', ARGV[1])
  redis.call('SREM', 'cases:monitoring', ARGV[1])
  if cm and cm ~= '' then redis.call('SREM', 'caseload:' .. cm, ARGV[1]) end
end
if ARGV[4] ~= 'close' then piket_monitoring_refresh(ARGV[1]) end
piket_sync_timers(c, '', ARGV, m_at + 1 + 3 * m)
return 'done'
