-- inbound_page_answer: acknowledges or declines a page, by reply code (SMS) or by page id (staff API, web app) (answer_page)
-- (paging/src/page_answer.cpp; typed arguments and reply: piket/store/page_answer.hpp,
-- PageAnswerArgs, parse_page_answer_reply; what it does: paging/include/piket/paging/page_answer.hpp)
--
-- KEYS: none. Reads ackcode:{person}:{code}; writes paging's own keys: the wrong-code
--   guards codeguard:person:{id}, codeguard:number:{hash} and codeguard:locked; page:{id}
--   (the answer; the escalation's other open pages stand down on an acknowledgement), the
--   answered and stood-down pages' reply codes (lib/paging_reply_code.lua) and
--   incident:{id}:declined. Calls the owners' store API in the same script for atomicity
--   (the answer and its effects are one step): the incident's, piket-ingest's, for its
--   status acknowledged (lib/ingest_incident_status.lua); notify's for the deliveries,
--   notify:queue, notify:timers and push:{person} (lib/notify_page_closed.lua: no delivery
--   goes out for an answered page); the escalation outbox's (lib/outbox_add.lua: a decline
--   moves escalation on); piket-cases' for the case timeline (lib/cases_timeline.lua) and
--   the case's resync timer in deadlines:due (lib/deadline_resync.lua); paging's family router's
--   for a page of a family message (lib/paging_family_route.lua: its routing's next step now,
--   and the router's wake-up 'family:{page}:answered' on the escalation outbox).
-- ARGV[1]  person ('' for a number that is not staff's: nothing is looked up)
-- ARGV[2]  page id, or '' to find the page by reply code
-- ARGV[3]  reply code
-- ARGV[4]  acknowledge | decline
-- ARGV[5]  via: sms | api | web
-- ARGV[6]  now (domain ms)
-- ARGV[7]  when the escalation outbox first sends (transport ms)
-- ARGV[8]  the push stream's cap (notify.push_stream_maxlen)
-- ARGV[9]  via_ref: the masked number, the session's hash prefix, the token's owner
-- ARGV[10] wrong codes that lock (within ARGV[11])
-- ARGV[11] lock (ms): the guard's window and how long a lock lasts
-- ARGV[12] the sending number's guard key part ('' none)
-- Returns {state, page, case, cancelled} with state acknowledged, or
--   {'declined', page, case, cancelled, escalation payload}
--   | {'already_acknowledged' | 'already_declined' | 'taken_by_other' | 'informational', page, case}
--   | {'unknown_page' | 'not_yours', page} | {'unknown_code'}
--   | {'locked' | 'locked_now', '', '', '0', '', locked until (domain ms)}.
--#include "lib/paging_reply_code.lua"
--#include "lib/ingest_incident_status.lua"
--#include "lib/notify_page_closed.lua"
--#include "lib/outbox_add.lua"
--#include "lib/cases_timeline.lua"
--#include "lib/deadline_resync.lua"
--#include "lib/paging_family_route.lua"
local page = ARGV[2]
local now = tonumber(ARGV[6])
if page == '' then
  -- By reply code: the wrong-code guards of the person and of the number.
  local guards = {}
  if ARGV[1] ~= '' then guards[#guards + 1] = 'codeguard:person:' .. ARGV[1] end
  if ARGV[12] ~= '' then guards[#guards + 1] = 'codeguard:number:' .. ARGV[12] end
  for _, g in ipairs(guards) do
    local u = tonumber(redis.call('HGET', g, 'locked_until') or '0')
    if u > now then return {'locked', '', '', '0', '', tostring(u)} end
  end
  local found = false
  if ARGV[1] ~= '' then
    local key = 'ackcode:' .. ARGV[1] .. ':' .. ARGV[3]
    found = redis.call('GET', key)
    if found then
      -- Valid only while the page can be answered (the TTL is the backstop).
      local until_ms = tonumber(redis.call('HGET', 'page:' .. found, 'code_until') or '0')
      if until_ms > 0 and now > until_ms then
        redis.call('DEL', key)
        found = false
      end
    end
  end
  if not found then
    local max, lock = tonumber(ARGV[10]), tonumber(ARGV[11])
    local locked = 0
    for _, g in ipairs(guards) do
      local h = redis.call('HMGET', g, 'fails', 'since')
      local fails, since = tonumber(h[1] or '0'), tonumber(h[2] or '0')
      if since == 0 or now - since >= lock then fails, since = 0, now end
      fails = fails + 1
      if fails >= max then
        locked = now + lock
        redis.call('HSET', g, 'locked_until', locked, 'fails', 0, 'since', now)
      else
        redis.call('HSET', g, 'fails', fails, 'since', since)
      end
      -- Real-time backstop: the guard outlives its window and lock, no more.
      redis.call('PEXPIRE', g, 2 * lock)
    end
    redis.call('ZREMRANGEBYSCORE', 'codeguard:locked', '-inf', now)
    if locked > 0 then
      if ARGV[1] ~= '' then redis.call('ZADD', 'codeguard:locked', locked, ARGV[1]) end
      return {'locked_now', '', '', '0', '', tostring(locked)}
    end
    return {'unknown_code'}
  end
  page = found
end
local p = 'page:' .. page
local f = redis.call('HMGET', p, 'person', 'case', 'incident', 'acknowledged_at', 'declined_at',
                     'channels', 'cancelled_reason', 'info', 'step')
if not f[1] then return {'unknown_page', page} end
if f[1] ~= ARGV[1] then return {'not_yours', page} end
-- Information (paging/page_class.hpp): nothing to answer, nothing changes.
if f[8] == '1' then return {'informational', page, f[2] or ''} end
if f[4] then return {'already_acknowledged', page, f[2] or ''} end
-- The page stood down: a colleague took the incident. Nothing changes.
if f[7] == 'answered_by_other' then return {'taken_by_other', page, f[2] or ''} end
if f[5] then return {'already_declined', page, f[2] or ''} end
-- Answered now: its reply code answers nothing any more.
piket_drop_reply_code(page)
-- Notify sends nothing more for it (notify's store API, lib/notify_page_closed.lua).
local cancelled, pushed = piket_notify_stop_deliveries(page, f[6], ARGV[6])
local state = 'acknowledged'
local payload = ''
local stood_down = 0
if ARGV[4] == 'acknowledge' then
  redis.call('HSET', p, 'state', 'acknowledged', 'acknowledged_at', ARGV[6], 'acknowledged_via',
             ARGV[5], 'acknowledged_via_ref', ARGV[9])
  local inc = 'incident:' .. (f[3] or '')
  -- The incident is taken: the escalation's other open pages stand down (their
  -- channels still to come are cancelled; a board no longer shows them open).
  for _, other in ipairs(redis.call('SMEMBERS', inc .. ':pages')) do
    local op = 'page:' .. other
    local o = redis.call('HMGET', op, 'state', 'acknowledged_at', 'declined_at', 'channels',
                         'person')
    if other ~= page and o[1] and not o[2] and not o[3] and o[1] ~= 'cancelled'
       and o[1] ~= 'failed' then
      local _, pushed_other = piket_notify_stop_deliveries(other, o[4], ARGV[6])
      redis.call('HSET', op, 'state', 'cancelled', 'cancelled_at', ARGV[6],
                 'cancelled_reason', 'answered_by_other')
      piket_drop_reply_code(other)
      stood_down = stood_down + 1
      if pushed_other and o[5] then
        piket_notify_push_closed(o[5], other, f[2] or '', 'answered_by_other', ARGV[8])
      end
    end
  end
  piket_incident_acknowledged(f[3] or '', ARGV[6], ARGV[1], page)
else
  state = 'declined'
  redis.call('HSET', p, 'state', 'declined', 'declined_at', ARGV[6], 'declined_via', ARGV[5],
             'declined_via_ref', ARGV[9])
  -- Escalation never pages this person for this incident again.
  if f[3] then redis.call('SADD', 'incident:' .. f[3] .. ':declined', ARGV[1]) end
  local mid = page .. ':declined'
  payload = cjson.encode({page_id = page, reason = 'declined', case_id = f[2],
                          person = ARGV[1]})
  piket_outbox_add('escalation', mid, payload, ARGV[7])
end
if f[2] then
  piket_case_timeline_append(f[2], {at = now, type = state,
    page = page, incident = f[3], person = ARGV[1], via = ARGV[5], via_ref = ARGV[9],
    cancelled = cancelled,
    stood_down = stood_down, by = ARGV[1]})
  -- The deadline engine looks at the case again now (its resync timer).
  piket_deadline_resync(f[2], ARGV[6])
  -- A family message's page: its router records the answer now, not at its next look.
  if piket_family_route_wake(f[9], f[2], ARGV[6]) then
    piket_family_wake_message('family:' .. page .. ':answered', {reason = 'family'}, ARGV[7])
  end
end
if pushed then piket_notify_push_closed(ARGV[1], page, f[2] or '', state, ARGV[8]) end
if state == 'declined' then
  return {state, page, f[2] or '', tostring(cancelled), payload}
end
return {state, page, f[2] or '', tostring(cancelled)}
