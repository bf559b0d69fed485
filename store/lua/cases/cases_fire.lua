-- cases_fire: the deadline engine takes one step of a case's clock, all or nothing
-- (services/cases/src/case_store.cpp, RedisCaseStore::fire and write_many)
-- Writes the step's idempotency key, its page, its timeline entry, the watched reminders and
-- the case's timers afterwards.
-- Calls the owners' store API in the same script for atomicity: paging's page creation
-- (lib/paging_page_create.lua: page:{id}, ackcode:{person}:{code}, outbox:notify), because
-- the page and the step taken must be written together (no step without its page, no page
-- twice), and the incident's, piket-ingest's, for its escalated status and escalated_at
-- (lib/ingest_incident_case.lua), set in the same step.
-- KEYS: none (case:{id}, :timeline, :fired, :reminders, :timers, deadlines:due, incident:{id},
-- and the page's keys).
-- ARGV (store::CaseFireArgs): 1 case, 2 version, 3 action key, 4 popped timer ('' none), 5 page
-- id ('' none), 6 person, 7 phone, 8 text, 9 reply code ('' for a page that is information,
-- paging/page_class.hpp), 10 page incident, 11 rule, 12 now (domain ms), 13 outbox due
-- (transport ms), 14 timeline entry (JSON), 15 incident to escalate ('' none), 16 reply code
-- validity ms ('' without a page), 17 page brief, 18 page rank (paging::PageTag), 19 watch
-- ("<page> <person>": a reminder whose acknowledgement the engine watches, '' none),
-- 20 watched reminders to forget (space-separated step keys), 21.. timer member/due pairs.
-- Reply: {'stale'} (the timeline grew meanwhile), {'duplicate'} (the step was taken: only the
-- timers are stored), {'collision'} (page id or reply code taken: nothing written) or
-- {'done', notify payload or ''}.
--#include "lib/paging_page_create.lua"
--#include "lib/ingest_incident_case.lua"
--#include "lib/cases_sync_timers.lua"
local c = 'case:' .. ARGV[1]
if redis.call('LLEN', c .. ':timeline') ~= tonumber(ARGV[2]) then return {'stale'} end
if redis.call('SISMEMBER', c .. ':fired', ARGV[3]) == 1 then
  piket_sync_timers(c, ARGV[4], ARGV, 21)
  return {'duplicate'}
end
if ARGV[5] ~= '' and piket_page_taken(ARGV[6], ARGV[9], ARGV[5]) then return {'collision'} end
redis.call('SADD', c .. ':fired', ARGV[3])
local payload = ''
if ARGV[5] ~= '' then
  payload = piket_create_page({id = ARGV[5], person = ARGV[6], ack_code = ARGV[9], to = ARGV[7],
    text = ARGV[8], incident = ARGV[10], case = ARGV[1], rule = ARGV[11], now = ARGV[12],
    due = ARGV[13], step = ARGV[3], code_ttl = ARGV[16], brief = ARGV[17], rank = ARGV[18]})
end
redis.call('RPUSH', c .. ':timeline', ARGV[14])
if ARGV[15] ~= '' then piket_incident_escalated_by_deadline(ARGV[15], ARGV[12]) end
for k in string.gmatch(ARGV[20], '%S+') do redis.call('HDEL', c .. ':reminders', k) end
if ARGV[19] ~= '' then redis.call('HSET', c .. ':reminders', ARGV[3], ARGV[19]) end
piket_sync_timers(c, ARGV[4], ARGV, 21)
return {'done', payload}
