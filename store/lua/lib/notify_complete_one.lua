-- notify_complete_one (lib): piket_notify_complete_one(did, outcome, now_ms,
-- due, status, detail, reason) records the outcome of one delivery's send and
-- returns what was applied: 'accepted', 'retry', 'failed' or 'cancelled' (a
-- retry of a page answered meanwhile), or the state found when the delivery
-- is not `sending` any more ('missing': no delivery). `due` (transport ms) is
-- when a retry goes; `status`, `detail` and `reason` are the gateway's status,
-- the error text and the failure reason. notify_complete applies it to each
-- delivery of a batch. Owner: piket-notify.
-- Writes delivery:{did}, notify:queue and notify:urgent (lib/notify_queue.lua),
-- notify:smsq:{person} and notify:timers;
-- calls the owners' store API in the same script for atomicity: paging's for
-- the page (accepted: state/accepted_at; failed: rev — lib/paging_page_delivery.lua)
-- and piket-cases' for the case timeline (page_sent, delivery_failed —
-- lib/cases_timeline.lua).
--#include "lib/cases_timeline.lua"
--#include "lib/paging_page_delivery.lua"
--#include "lib/notify_queue.lua"
local function piket_notify_complete_one(did, outcome, now_ms, due, status, detail, reason)
  local d = 'delivery:' .. did
  local f = redis.call('HMGET', d, 'state', 'page', 'channel', 'person', 'bundle', 'doubt_seen')
  if f[1] ~= 'sending' then
    piket_notify_dequeue(did)
    return f[1] or 'missing'
  end
  -- Recorded: no longer in doubt (lib/notify_claim_one.lua, confirm_s).
  if f[6] then redis.call('HDEL', d, 'doubt_seen') end
  local pf = redis.call('HMGET', 'page:' .. f[2], 'state', 'case', 'rank', 'accepted_at')
  local now = tonumber(now_ms)
  if outcome == 'retry' and (pf[1] == 'acknowledged' or pf[1] == 'declined') then
    outcome = 'cancelled'
  end
  if outcome == 'accepted' then
    redis.call('HSET', d, 'state', 'accepted', 'accepted_at', now_ms, 'gateway_status', status)
    piket_notify_dequeue(did)
    piket_page_accepted(f[2], now_ms, {pf[1], pf[4]})
    local ev = {at = now, type = 'page_sent', page = f[2], channel = f[3], by = 'notify'}
    if f[5] then ev.bundle = f[5] end
    piket_case_timeline_append(pf[2], ev)
  elseif outcome == 'retry' then
    redis.call('HSET', d, 'state', 'retry', 'last_error', detail, 'gateway_status', status)
    piket_notify_queue_at(did, due, pf[3])
    if f[3] == 'sms' and f[4] then redis.call('ZADD', 'notify:smsq:' .. f[4], due, did) end
  elseif outcome == 'cancelled' then
    redis.call('HSET', d, 'state', 'cancelled', 'cancelled_at', now_ms)
    piket_notify_dequeue(did)
  else
    redis.call('HSET', d, 'state', 'failed', 'failed_at', now_ms, 'fail_reason', reason,
               'last_error', detail, 'gateway_status', status)
    piket_notify_dequeue(did)
    piket_page_rev_bump(f[2])
    redis.call('ZADD', 'notify:timers', now_ms, f[2])
    piket_case_timeline_append(pf[2], {at = now, type = 'delivery_failed', page = f[2],
                                       channel = f[3], reason = reason, detail = detail,
                                       by = 'notify'})
  end
  return outcome
end
