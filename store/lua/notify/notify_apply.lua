-- notify_apply: applies one page's delivery plan if the page is unchanged since it was loaded (Notifier::evaluate)
-- (services/notify/src/notifier.cpp, after notify_page_load and plan_deliveries; typed arguments:
-- piket/store/delivery_scripts.hpp, ApplyArgs)
--
-- KEYS: none. Writes delivery:{id}:{channel}, notify:queue and notify:urgent
--   (lib/notify_queue.lua), notify:smsq:{person} and
--   notify:timers (notify's own), and calls the owners' store API in the same script for
--   atomicity (the plan and everything it changes are one step): paging's for the page
--   (rev; failed or duplicate, with its reply code: lib/paging_page_delivery.lua),
--   piket-cases' for the case timeline (channel_fallback, page_undeliverable:
--   lib/cases_timeline.lua) and the case's resync timer in deadlines:due
--   (lib/deadline_resync.lua), and the escalation outbox's (lib/outbox_add.lua) for the
--   message {page_id, reason: 'undeliverable', case_id, person} (id '{page}:undeliverable')
--   when every channel failed.
-- ARGV[1]  page id
-- ARGV[2]  the page's rev as loaded (another rev now: {'stale'}, nothing changes)
-- ARGV[3]  now (domain ms)
-- ARGV[4]  now (transport ms): when a started channel is due in notify:queue
-- ARGV[5]  the page's next wake-up (domain ms), or '-' for none
-- ARGV[6]  outcome: '-', 'exhausted' (every channel failed) or 'duplicate'
-- ARGV[7]  when the escalation outbox first sends (transport ms)
-- ARGV[8]  number of channels to start, then per start three: channel, reason
--          (at_once, not_acknowledged, previous_failed), previous channel or '-';
--          then the number of channels to cancel and their channels
-- Returns {'applied', started} | {'stale'} | {'missing'} (no page: its timer is dropped).
--#include "lib/cases_timeline.lua"
--#include "lib/paging_page_delivery.lua"
--#include "lib/outbox_add.lua"
--#include "lib/deadline_resync.lua"
--#include "lib/notify_queue.lua"
local id = ARGV[1]
local p = 'page:' .. id
local f = redis.call('HMGET', p, 'rev', 'state', 'case', 'person', 'incident', 'info', 'rank')
if not f[2] then
  redis.call('ZREM', 'notify:timers', id)
  return {'missing'}
end
if (f[1] or '0') ~= ARGV[2] then return {'stale'} end
local answered = f[2] == 'acknowledged' or f[2] == 'declined'
local now = tonumber(ARGV[3])
local i = 9
local started = 0
for k = 1, tonumber(ARGV[8]) do
  local ch, reason, prev = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  i = i + 3
  local did = id .. ':' .. ch
  local d = 'delivery:' .. did
  if not answered and redis.call('HGET', d, 'state') == 'scheduled' then
    redis.call('HSET', d, 'state', 'queued', 'queued_at', ARGV[3], 'start_reason', reason)
    -- Due now; an urgent page's also in notify:urgent (claimed first).
    piket_notify_queue_at(did, ARGV[4], f[7])
    -- The person's SMS waiting to go: what a bundled SMS takes along (claim).
    if ch == 'sms' and f[4] then redis.call('ZADD', 'notify:smsq:' .. f[4], ARGV[4], did) end
    started = started + 1
    if reason ~= 'at_once' then
      local ev = {at = now, type = 'channel_fallback', page = id, to = ch, reason = reason,
                  by = 'notify'}
      if prev ~= '-' then ev.from = prev end
      piket_case_timeline_append(f[3], ev)
    end
  end
end
local nc = tonumber(ARGV[i])
i = i + 1
for k = 1, nc do
  local did = id .. ':' .. ARGV[i]
  i = i + 1
  local d = 'delivery:' .. did
  local st = redis.call('HGET', d, 'state')
  if st == 'scheduled' or st == 'queued' or st == 'retry' then
    redis.call('HSET', d, 'state', 'cancelled', 'cancelled_at', ARGV[3])
    redis.call('ZREM', 'notify:queue', did)
  end
end
if ARGV[5] == '-' then
  redis.call('ZREM', 'notify:timers', id)
else
  redis.call('ZADD', 'notify:timers', ARGV[5], id)
end
if ARGV[6] == 'exhausted' and not answered and f[2] ~= 'failed' then
  -- Nobody got the page: failed, and its reply code answers nothing any more.
  piket_page_failed(id, ARGV[3])
  piket_case_timeline_append(f[3], {at = now, type = 'page_undeliverable', page = id,
                                    person = f[4], by = 'notify'})
  -- Information (paging/page_class.hpp) is never escalated: nobody waits on it.
  if f[6] ~= '1' then
    local mid = id .. ':undeliverable'
    local payload = cjson.encode({page_id = id, reason = 'undeliverable', case_id = f[3],
                                  person = f[4]})
    piket_outbox_add('escalation', mid, payload, ARGV[7])
    if f[3] then piket_deadline_resync(f[3], ARGV[3]) end
  end
elseif ARGV[6] == 'duplicate' and f[2] == 'queued' then
  piket_page_duplicate(id)
end
piket_page_rev_bump(id)
return {'applied', tostring(started)}
