-- dispatch_escalation_step: takes one escalation step decided in C++ (Escalator::advance, services/dispatch)
-- Typed: piket/store/dispatch_scripts.hpp (EscalationStepArgs, EscalationStepReply).
-- KEYS: none (paging's own: the incident's esc_* fields, incident:{id}:pages and
--   :esc_paged, escalations:due, and through lib/paging_page_create.lua page:{id} and
--   ackcode:{person}:{code}. It calls the owners' store API in the same script for
--   atomicity (a step, its page and what it records are one step): notify's outbox for the
--   page's message (outbox:notify:due/data, lib/outbox_add.lua through
--   lib/paging_page_create.lua), the incident's, piket-ingest's, for its status
--   (lib/ingest_incident_status.lua) and piket-cases' for the case timeline
--   (lib/cases_timeline.lua))
-- ARGV: 1 incident, 2 expected esc_at, 3 expected re-page count, 4 expected
--   acknowledged '1'/'0', 5 action (stop|wait|page|repage|exhausted), 6 domain
--   now ms, 7 new esc_at, 8 timer ms, 9 person, 10 page id, 11 ack code,
--   12 phone, 13 text, 14 outbox due ms (transport), 15 rule, 16 reason,
--   17 target, 18 skipped positions (JSON list), 19 round of the new page,
--   20 how long its reply code stays valid (ms, paging::reply_code_window),
--   21 the page's brief, 22 its rank (paging::PageTag), 23 when the step was
--   due ms (domain); optionally, from 24 on (page, repage): the page's
--   expansion — its deliveries and their plan, as lib/notify_expand_page.lua
--   takes them (its page id is ARGV[10]'s): notify's store API, called in the
--   same script, so that the page leaves the step with its first channel
--   queued for notify's workers, and its message says `expanded`
-- Reply: {'stale'} (the incident moved on since the decision: nothing
--   written, or the timer of an escalation no longer active dropped)
--   | {'waiting'} | {'stopped'} | {'exhausted'} | {'ack_collision'} (the page
--   id or reply code is taken: pick new ones, run again)
--   | {'paged', notify payload} | {'repaged', notify payload}
--
-- The step runs only when the incident is still where the decision was made
-- (esc_at, re-page count, acknowledged): a crash at any moment leaves either
-- the old step or the new one, and a step is never paged twice.
--#include "lib/paging_page_create.lua"
--#include "lib/ingest_incident_status.lua"
--#include "lib/cases_timeline.lua"
--#include "lib/notify_expand_page.lua"
local id = ARGV[1]
local inc = 'incident:' .. id
local f = redis.call('HMGET', inc, 'esc_state', 'esc_at', 'esc_repages', 'status', 'case_id')
if f[1] ~= 'active' then
  redis.call('ZREM', 'escalations:due', id)
  return {'stale'}
end
local acked = '0'
if f[4] == 'acknowledged' then acked = '1' end
if f[2] ~= ARGV[2] or (f[3] or '0') ~= ARGV[3] or acked ~= ARGV[4] then return {'stale'} end
local now = tonumber(ARGV[6])
local action = ARGV[5]
if action == 'wait' then
  redis.call('ZADD', 'escalations:due', ARGV[8], id)
  return {'waiting'}
end
if action == 'stop' then
  redis.call('HSET', inc, 'esc_state', 'stopped', 'esc_stopped_at', ARGV[6])
  redis.call('ZREM', 'escalations:due', id)
  return {'stopped'}
end
if action == 'exhausted' then
  redis.call('HSET', inc, 'esc_state', 'exhausted', 'esc_stopped_at', ARGV[6])
  redis.call('ZREM', 'escalations:due', id)
  piket_case_timeline_append(f[5], {at = now, type = 'escalation_exhausted', incident = id,
    step = ARGV[2], reason = ARGV[16], skipped = cjson.decode(ARGV[18]), by = 'dispatch'})
  return {'exhausted'}
end
if piket_page_taken(ARGV[9], ARGV[11], ARGV[10]) then return {'ack_collision'} end
local step
if action == 'repage' then
  step = id .. ':forgotten:' .. (tonumber(ARGV[3]) + 1)
else
  step = id .. ':' .. ARGV[7]
end
local payload = piket_create_page({id = ARGV[10], person = ARGV[9], ack_code = ARGV[11],
  to = ARGV[12], text = ARGV[13], incident = id, case = f[5], rule = ARGV[15],
  now = ARGV[6], due = ARGV[14], step = step, code_ttl = ARGV[20], brief = ARGV[21],
  rank = ARGV[22], expanded = ARGV[24] == ARGV[10]})
local why = 'escalated'
if action == 'repage' then why = 'no_first_contact' end
redis.call('HSET', 'page:' .. ARGV[10], 'esc_at', ARGV[7], 'reason', why)
if ARGV[24] == ARGV[10] then
  -- A page just made is queued, not expanded and of this person: it expands.
  piket_notify_expand_page(ARGV, 24)
end
redis.call('SADD', inc .. ':pages', ARGV[10])
redis.call('HSET', inc, 'esc_at', ARGV[7], 'esc_due', ARGV[8])
redis.call('HSET', inc .. ':esc_paged', ARGV[9], ARGV[19])
redis.call('ZADD', 'escalations:due', ARGV[8], id)
if action == 'repage' then
  piket_incident_repaged(id)
  redis.call('HSET', inc, 'esc_repages', tonumber(ARGV[3]) + 1)
  piket_case_timeline_append(f[5], {at = now, type = 'repaged', incident = id,
    reason = ARGV[16], person = ARGV[9], page = ARGV[10], step = ARGV[7],
    due = tonumber(ARGV[23]), by = 'dispatch'})
  return {'repaged', payload}
end
piket_incident_escalated(id)
piket_case_timeline_append(f[5], {at = now, type = 'escalated', incident = id,
  from = ARGV[2], to = ARGV[7], target = ARGV[17], reason = ARGV[16], person = ARGV[9],
  page = ARGV[10], skipped = cjson.decode(ARGV[18]), due = tonumber(ARGV[23]), by = 'dispatch'})
return {'paged', payload}
