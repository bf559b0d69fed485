-- dispatch_incident: commits the page for an accepted incident (Dispatcher::dispatch, services/dispatch)
-- Typed: piket/store/dispatch_scripts.hpp (DispatchIncidentArgs, DispatchIncidentReply).
-- KEYS: none (paging's own: the incident's esc_* fields, incident:{id}:pages and
--   :esc_paged, escalations:due, capacity:{region} and its :history (ARGV 24, 31), and
--   through lib/paging_page_create.lua page:{id} and ackcode:{person}:{code}. It calls the
--   owners' store API in the same script for atomicity (the page, the incident's status
--   and the case's assignment are one step): notify's outbox for the page's message
--   (outbox:notify:due/data, lib/outbox_add.lua through lib/paging_page_create.lua);
--   the incident's, piket-ingest's, for its status and dispatch facts
--   (lib/ingest_incident_status.lua); piket-cases' for the case's first casemanager,
--   caseload:{person} and the timeline (lib/cases_casemanager.lua, lib/cases_timeline.lua))
-- ARGV: 1 incident, 2 case, 3 person, 4 rule, 5 page id, 6 ack code, 7 phone,
--   8 text, 9 now ms (domain), 10 outbox due ms (transport), 11 assign case '1'/'0',
--   12 inform person or '' (the own casemanager, off duty), 13 their page id,
--   14 their ack code ('': the inform page is information), 15 their phone,
--   16 their text, 17 escalation position ("round.step") or '' when no
--   escalation policy runs, 18 its first timer (domain ms), 19 how long the
--   reply codes stay valid (ms, paging::reply_code_window), 20 the page's
--   brief, 21 its rank, 22 the inform page's brief, 23 its rank
--   (paging::PageTag), 24 capacity key (capacity:{region}), 25 every on-call
--   casemanager at cap '1'/'0', 26 the team lead to tell or '', 27 their page
--   id, 28 ack code, 29 phone, 30 text, 31 capacity history key
--   (capacity:{region}:history). The capacity page has no brief: it is never
--   bundled. Optionally, from ARGV[32] on: the page's expansion — its deliveries
--   and their plan, as lib/notify_expand_page.lua takes them (its page id is
--   ARGV[5]'s): notify's store API, called in the same script, so that the page
--   leaves this commit with its first channel queued for notify's workers, and
--   its message says `expanded` (notify expands it no more).
-- Reply: {'dispatched', page id, payload, inform page id, inform payload or '',
--   capacity page id, capacity payload or ''} | {'already', page id or ''}
--   (the incident is no longer accepted) | {'missing'} (no such incident)
--   | {'ack_collision'} (a page id or reply code is taken: pick new ones, run again)
--
-- Idempotent: only an incident still `accepted` is dispatched, so a message
-- delivered twice yields one page. A coverage problem of the caseload cap
-- (every on-call casemanager at cap) begins and ends here (paging.md,
-- "Caseload cap").
--#include "lib/paging_page_create.lua"
--#include "lib/ingest_incident_status.lua"
--#include "lib/cases_timeline.lua"
--#include "lib/cases_casemanager.lua"
--#include "lib/notify_expand_page.lua"
local inc = 'incident:' .. ARGV[1]
local st = redis.call('HGET', inc, 'status')
if not st then return {'missing'} end
if st ~= 'accepted' then return {'already', redis.call('HGET', inc, 'page_id') or ''} end
if piket_page_taken(ARGV[3], ARGV[6], ARGV[5]) then return {'ack_collision'} end
if ARGV[12] ~= '' and (piket_page_taken(ARGV[12], ARGV[14], ARGV[13]) or ARGV[13] == ARGV[5]) then
  return {'ack_collision'}
end
-- A coverage problem (capacity:{region}) is open or not: read once, nothing
-- below writes it before its branch at the end.
local capacity_open = redis.call('EXISTS', ARGV[24]) == 1
-- A coverage problem begins: the team lead is paged once, when it is first seen.
local tell_lead = ARGV[25] == '1' and ARGV[26] ~= '' and not capacity_open
if tell_lead and (piket_page_taken(ARGV[26], ARGV[28], ARGV[27]) or ARGV[27] == ARGV[5]
                  or ARGV[27] == ARGV[13] or (ARGV[26] == ARGV[3] and ARGV[28] == ARGV[6])
                  or (ARGV[26] == ARGV[12] and ARGV[28] == ARGV[14])) then
  return {'ack_collision'}
end
-- The case's timeline entries of this step (assigned, paged, informed), in
-- that order, with one write at the end.
local timeline = {}
if ARGV[11] == '1' then
  piket_case_assign_if_none(ARGV[2], ARGV[3], {at = tonumber(ARGV[9]),
    type = 'casemanager_assigned', person = ARGV[3], rule = ARGV[4], by = 'dispatch'}, timeline)
end
local step, esc_page, esc_incident = '', nil, nil
if ARGV[17] ~= '' then
  -- The escalation policy starts: the page's position, the incident's timer
  -- (each written with the page's and the incident's other fields), who was
  -- paged in which round.
  step = ARGV[1] .. ':' .. ARGV[17]
  esc_page = {'esc_at', ARGV[17]}
  esc_incident = {'esc_state', 'active', 'esc_at', ARGV[17], 'esc_due', ARGV[18]}
end
local payload = piket_create_page({id = ARGV[5], person = ARGV[3], ack_code = ARGV[6],
  to = ARGV[7], text = ARGV[8], incident = ARGV[1], case = ARGV[2], rule = ARGV[4],
  now = ARGV[9], due = ARGV[10], step = step, code_ttl = ARGV[19], brief = ARGV[20],
  rank = ARGV[21], more = esc_page, expanded = ARGV[32] == ARGV[5]})
if ARGV[32] == ARGV[5] then
  -- A page just made is queued, not expanded and of this person: it expands.
  piket_notify_expand_page(ARGV, 32)
end
if ARGV[17] ~= '' then
  redis.call('SADD', inc .. ':pages', ARGV[5])
  redis.call('HSET', inc .. ':esc_paged', ARGV[3], string.match(ARGV[17], '^(%d+)'))
  redis.call('ZADD', 'escalations:due', ARGV[18], ARGV[1])
end
piket_incident_dispatched(ARGV[1], ARGV[5], ARGV[3], ARGV[4], ARGV[9], esc_incident)
timeline[#timeline + 1] = {at = tonumber(ARGV[9]), type = 'paged',
  incident = ARGV[1], person = ARGV[3], rule = ARGV[4], page = ARGV[5], by = 'dispatch'}
local inform_payload = ''
if ARGV[12] ~= '' then
  inform_payload = piket_create_page({id = ARGV[13], person = ARGV[12], ack_code = ARGV[14],
    to = ARGV[15], text = ARGV[16], incident = ARGV[1], case = ARGV[2], rule = 'inform',
    now = ARGV[9], due = ARGV[10], code_ttl = ARGV[19], brief = ARGV[22], rank = ARGV[23]})
  timeline[#timeline + 1] = {at = tonumber(ARGV[9]), type = 'informed',
    incident = ARGV[1], person = ARGV[12], page = ARGV[13], by = 'dispatch'}
end
piket_case_timeline_append_all(ARGV[2], timeline)
local capacity_payload = ''
if ARGV[25] == '1' then
  if not capacity_open then
    redis.call('HSET', ARGV[24], 'since', ARGV[9], 'past_on_call', 0, 'person', ARGV[26])
    if tell_lead then
      capacity_payload = piket_create_page({id = ARGV[27], person = ARGV[26], ack_code = ARGV[28],
        to = ARGV[29], text = ARGV[30], incident = '', case = '', rule = 'capacity',
        now = ARGV[9], due = ARGV[10], code_ttl = ARGV[19]})
      redis.call('HSET', ARGV[24], 'page', ARGV[27])
    end
  end
  if ARGV[4] == 'backup' or ARGV[4] == 'team_lead' then
    redis.call('HINCRBY', ARGV[24], 'past_on_call', 1)
    piket_incident_past_cap(ARGV[1])
  end
  redis.call('HSET', ARGV[24], 'last_at', ARGV[9])
elseif capacity_open then
  -- An on-call casemanager is under their cap again: the problem is over.
  local h = redis.call('HMGET', ARGV[24], 'since', 'past_on_call')
  redis.call('LPUSH', ARGV[31], cjson.encode({since = tonumber(h[1]), ['until'] = tonumber(ARGV[9]),
    past_on_call = tonumber(h[2])}))
  redis.call('LTRIM', ARGV[31], 0, 99)
  redis.call('DEL', ARGV[24])
end
return {'dispatched', ARGV[5], payload, ARGV[13], inform_payload, ARGV[27], capacity_payload}
