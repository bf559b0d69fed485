-- notify_delivery_report (lib): piket_notify_delivery_report(page, case_id,
-- type_s, now_s) applies a Kannel delivery report (type_s: 1 delivered, 2
-- undelivered, 16 rejected by the SMSC, 8 at the SMSC, …) to the page's SMS
-- delivery delivery:{page}:sms: records dlr_type/dlr_at (delivered_at for 1);
-- a failed report (2, 16) of a delivery still accepted, sending, retry or
-- queued fails it (fail_reason delivery_report), takes it off notify:queue,
-- bumps the page's rev and wakes the page in notify:timers at now_s so that
-- notify starts the next channel at once, and appends delivery_failed to the
-- case timeline of case_id. Returns 'failed' when it failed the delivery, else
-- 'recorded' (also for a page without an SMS delivery).
-- Owner: piket-notify (delivery:*, notify:queue, notify:timers). This is
-- notify's store API: piket-inbound's delivery report scripts
-- (lib/inbound_dlr.lua) call it in the same script as the report they record
-- on the page, so that the report and its effect on the delivery are one
-- atomic step (a report is never recorded without failing the SMS it failed).
-- It calls, in the same step, paging's store API for the page's rev
-- (lib/paging_page_rev.lua) and piket-cases' for the timeline
-- (lib/cases_timeline.lua).
--#include "lib/cases_timeline.lua"
--#include "lib/paging_page_rev.lua"
local function piket_notify_delivery_report(page, case_id, type_s, now_s)
  local t = tonumber(type_s)
  local failed = t == 2 or t == 16
  local did = page .. ':sms'
  local d = 'delivery:' .. did
  local st = redis.call('HGET', d, 'state')
  if not st then return 'recorded' end
  redis.call('HSET', d, 'dlr_type', type_s, 'dlr_at', now_s)
  if t == 1 then redis.call('HSET', d, 'delivered_at', now_s) end
  if failed and (st == 'accepted' or st == 'sending' or st == 'retry' or st == 'queued') then
    redis.call('HSET', d, 'state', 'failed', 'failed_at', now_s, 'fail_reason', 'delivery_report',
               'last_error', 'delivery report ' .. type_s)
    redis.call('ZREM', 'notify:queue', did)
    piket_page_rev_bump(page)
    redis.call('ZADD', 'notify:timers', now_s, page)
    piket_case_timeline_append(case_id, {at = tonumber(now_s), type = 'delivery_failed',
                                         page = page, channel = 'sms',
                                         reason = 'delivery_report', report = t, by = 'gateway'})
    return 'failed'
  end
  return 'recorded'
end
