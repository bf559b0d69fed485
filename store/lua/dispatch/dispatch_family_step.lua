#!lua
-- dispatch_family_step: one step of a family message's routing (FamilyRouter, services/dispatch)
-- Typed: piket/store/family_contact.hpp (FamilyStepArgs, FamilyStepReply).
-- KEYS: none (family:route:{case}:{message}, family:due; through paging's page creation,
--   lib/paging_page_create.lua: page:{id}, ackcode:{person}:{code}, outbox:notify; through
--   piket-cases' store API, lib/cases_timeline.lua: case:{id}:timeline — the step, its page
--   and its timeline entry are written together)
-- ARGV: 1 case, 2 message, 3 action: 'page' (the first page: the own casemanager, on call or
--   backup), 'team_lead' (nobody acknowledged by the deadline), 'acknowledged' (a page of it
--   was acknowledged: ARGV 15, 16 say by whom and when), 'unanswered' (its watch is over),
--   'later' (nothing yet), 4 now (domain ms), 5 the next step's time (domain ms; '' leaves
--   family:due), 6 person ('' nobody could be paged), 7 page id, 8 reply code, 9 phone,
--   10 text, 11 rule, 12 outbox due (transport ms), 13 reply code validity (ms), 14 the
--   deadline (domain ms, with 'page'), 15 acknowledged by, 16 acknowledged at, 17 brief,
--   18 rank, 19 the "received" answer's page id, 20 its text (with 'acknowledged': sent to
--   the number that wrote when the route holds one, family:sender:{id}, once)
-- Reply: {'done', notify payload or ''} | {'duplicate'} (the step was taken: nothing written
--   but the next time) | {'closed'} (acknowledged or unanswered before: it leaves family:due)
--   | {'collision'} (page id or reply code taken: nothing written, pick others)
--
-- The "received" answer is a page like the automatic one (rule family_reply, information, no
-- person) to the number in family:sender:{id}, which is dropped with it: of the (at most 3)
-- routes of one SMS, the first acknowledged answers it, and only once. A perpetrator's
-- number is never there (inbound_family_message.lua): it hears nothing more than any number.
-- A step is taken once: 'page' only while the route has no page, 'team_lead' only while it
-- has no team lead's page (two dispatch instances may run the same step).
--#include "lib/paging_page_create.lua"
--#include "lib/cases_timeline.lua"
local case_id, msg, action, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local route = 'family:route:' .. case_id .. ':' .. msg
local member = case_id .. '|' .. msg
local r = redis.call('HMGET', route, 'state', 'paged_at', 'escalated_at')
if r[1] and r[1] ~= 'open' then
  redis.call('ZREM', 'family:due', member)
  return {'closed'}
end
local function next_step()
  if ARGV[5] == '' then
    redis.call('ZREM', 'family:due', member)
  else
    redis.call('ZADD', 'family:due', ARGV[5], member)
  end
end
if (action == 'page' and r[2]) or (action == 'team_lead' and r[3]) then
  next_step()
  return {'duplicate'}
end
local payload = ''
local function page(step)
  if ARGV[6] == '' then return end
  payload = piket_create_page({id = ARGV[7], person = ARGV[6], ack_code = ARGV[8], to = ARGV[9],
    text = ARGV[10], incident = '', case = case_id, rule = ARGV[11], now = now, due = ARGV[12],
    step = 'family|' .. msg .. '|' .. step, code_ttl = ARGV[13], brief = ARGV[17],
    rank = ARGV[18]})
end
if (action == 'page' or action == 'team_lead') and ARGV[6] ~= '' and
    piket_page_taken(ARGV[6], ARGV[8], ARGV[7]) then
  return {'collision'}
end
local sender, to = nil, nil
if action == 'acknowledged' and ARGV[19] and ARGV[19] ~= '' then
  sender = redis.call('HGET', route, 'sender')
  if sender and sender ~= '' then
    to = redis.call('HGET', 'family:sender:' .. sender, 'to')
    if to and piket_page_taken('', '', ARGV[19]) then return {'collision'} end
  end
end
local at = tonumber(now)
if action == 'page' then
  page('page')
  redis.call('HSET', route, 'state', 'open', 'page', ARGV[7], 'person', ARGV[6], 'rule', ARGV[11],
             'paged_at', now, 'deadline', ARGV[14])
  piket_case_timeline_append(case_id, {at = at, type = 'family_message_paged', message = msg,
    person = ARGV[6], rule = ARGV[11], page = ARGV[7]})
elseif action == 'team_lead' then
  page('team_lead')
  redis.call('HSET', route, 'page_tl', ARGV[7], 'team_lead', ARGV[6], 'escalated_at', now)
  piket_case_timeline_append(case_id, {at = at, type = 'family_message_escalated',
    message = msg, person = ARGV[6], page = ARGV[7]})
elseif action == 'acknowledged' then
  redis.call('HSET', route, 'state', 'acknowledged', 'acknowledged_by', ARGV[15],
             'acknowledged_at', ARGV[16])
  local received = ''
  if to then
    payload = piket_create_page({id = ARGV[19], person = '', ack_code = '', to = to,
      text = ARGV[20], incident = '', case = '', rule = 'family_reply', now = now,
      due = ARGV[12], code_ttl = '0', step = 'family_received|' .. ARGV[19]})
    redis.call('DEL', 'family:sender:' .. sender)
    redis.call('HSET', route, 'received_page', ARGV[19])
    received = ARGV[19]
  end
  if sender then redis.call('HDEL', route, 'sender') end
  piket_case_timeline_append(case_id, {at = tonumber(ARGV[16]) or at,
    type = 'family_message_acknowledged', message = msg, by = ARGV[15],
    received_page = received})
elseif action == 'unanswered' then
  redis.call('HSET', route, 'state', 'unanswered')
  piket_case_timeline_append(case_id, {at = at, type = 'family_message_unanswered',
    message = msg})
end
next_step()
return {'done', payload}
