-- notify_apply_plan (lib): piket_notify_apply_plan(id, a, i), one page's delivery plan applied
-- if the page is at the rev the plan was made at.
-- Owner: piket-notify (delivery:*, notify:queue, notify:urgent, notify:smsq:{person},
--   notify:timers). The one home of applying a plan (paging::plan_deliveries), for
--   notify_apply.lua (a plan made on a loaded page: Notifier::evaluate) and notify_expand.lua
--   (the plan of the page it expands, in the same step: Notifier::handle_batch). Calls the
--   owners' store API in the same script for atomicity (the plan and everything it changes are
--   one step): paging's for the page (rev; failed or duplicate, with its reply code:
--   lib/paging_page_delivery.lua), piket-cases' for the case timeline (channel_fallback,
--   page_undeliverable: lib/cases_timeline.lua) and the case's resync timer in deadlines:due
--   (lib/deadline_resync.lua), and the escalation outbox's (lib/outbox_add.lua) for the
--   message {page_id, reason: 'undeliverable', case_id, person} (id '{page}:undeliverable')
--   when every channel failed.
--
-- id      the page id
-- a, i    the plan: the caller's ARGV from a[i] on, in this order
--   a[i]      the page's rev the plan was made at (another rev now: {'stale'}, nothing changes)
--   a[i + 1]  now (domain ms)
--   a[i + 2]  now (transport ms): when a started channel is due in notify:queue
--   a[i + 3]  the page's next wake-up (domain ms), or '-' for none
--   a[i + 4]  outcome: '-', 'exhausted' (every channel failed) or 'duplicate'
--   a[i + 5]  when the escalation outbox first sends (transport ms)
--   a[i + 6]  number of channels to start, then per start three: channel, reason
--             (at_once, not_acknowledged, previous_failed), previous channel or '-';
--             then the number of channels to cancel and their channels
-- Returns {'applied', started} | {'stale'} | {'missing'} (no page: its timer is dropped).
--#include "lib/cases_timeline.lua"
--#include "lib/paging_page_delivery.lua"
--#include "lib/outbox_add.lua"
--#include "lib/deadline_resync.lua"
--#include "lib/notify_queue.lua"
local function piket_notify_apply_plan(id, a, i)
  local p = 'page:' .. id
  local f = redis.call('HMGET', p, 'rev', 'state', 'case', 'person', 'incident', 'info', 'rank')
  if not f[2] then
    redis.call('ZREM', 'notify:timers', id)
    return {'missing'}
  end
  if (f[1] or '0') ~= a[i] then return {'stale'} end
  local answered = f[2] == 'acknowledged' or f[2] == 'declined'
  local now_s, transport_s, wakeup, outcome, outbox_due =
    a[i + 1], a[i + 2], a[i + 3], a[i + 4], a[i + 5]
  local now = tonumber(now_s)
  local at = i + 7
  local started = 0
  for k = 1, tonumber(a[i + 6]) do
    local ch, reason, prev = a[at], a[at + 1], a[at + 2]
    at = at + 3
    local did = id .. ':' .. ch
    local d = 'delivery:' .. did
    if not answered and redis.call('HGET', d, 'state') == 'scheduled' then
      redis.call('HSET', d, 'state', 'queued', 'queued_at', now_s, 'start_reason', reason)
      -- Due now; an urgent page's also in notify:urgent (claimed first).
      piket_notify_queue_at(did, transport_s, f[7])
      -- The person's SMS waiting to go: what a bundled SMS takes along (claim).
      if ch == 'sms' and f[4] then
        redis.call('ZADD', 'notify:smsq:' .. f[4], transport_s, did)
      end
      started = started + 1
      if reason ~= 'at_once' then
        local ev = {at = now, type = 'channel_fallback', page = id, to = ch, reason = reason,
                    by = 'notify'}
        if prev ~= '-' then ev.from = prev end
        piket_case_timeline_append(f[3], ev)
      end
    end
  end
  local nc = tonumber(a[at])
  at = at + 1
  for k = 1, nc do
    local did = id .. ':' .. a[at]
    at = at + 1
    local d = 'delivery:' .. did
    local st = redis.call('HGET', d, 'state')
    if st == 'scheduled' or st == 'queued' or st == 'retry' then
      redis.call('HSET', d, 'state', 'cancelled', 'cancelled_at', now_s)
      redis.call('ZREM', 'notify:queue', did)
    end
  end
  if wakeup == '-' then
    redis.call('ZREM', 'notify:timers', id)
  else
    redis.call('ZADD', 'notify:timers', wakeup, id)
  end
  if outcome == 'exhausted' and not answered and f[2] ~= 'failed' then
    -- Nobody got the page: failed, and its reply code answers nothing any more.
    piket_page_failed(id, now_s)
    piket_case_timeline_append(f[3], {at = now, type = 'page_undeliverable', page = id,
                                      person = f[4], by = 'notify'})
    -- Information (paging/page_class.hpp) is never escalated: nobody waits on it.
    if f[6] ~= '1' then
      local mid = id .. ':undeliverable'
      local payload = cjson.encode({page_id = id, reason = 'undeliverable', case_id = f[3],
                                    person = f[4]})
      piket_outbox_add('escalation', mid, payload, outbox_due)
      if f[3] then piket_deadline_resync(f[3], now_s) end
    end
  elseif outcome == 'duplicate' and f[2] == 'queued' then
    piket_page_duplicate(id)
  end
  piket_page_rev_bump(id)
  return {'applied', tostring(started)}
end
