-- inbound_dlr (lib): piket_inbound_dlr(page, type_s, now_s) records one page's
-- delivery report (Kannel's type_s; now_s domain ms) and returns the outcome:
-- 'unknown' (no page), 'contradicts', 'duplicate', 'recorded' or 'failed'.
-- The report is kept on the page (page:{id}:dlr, page:{id}:dlr_types for
-- duplicate detection, dlr_type/dlr_at, delivered_at or delivery_failed_at)
-- and in the case timeline (delivery_report: piket-cases' store API,
-- lib/cases_timeline.lua); its effect on the page's SMS delivery is notify's
-- (lib/notify_delivery_report.lua). Both are called here in the same script
-- for atomicity: a failed report (2: undelivered to the phone, 16: rejected by
-- the SMSC) fails that delivery and wakes the page so that notify starts the
-- next channel at once.
-- Final reports (1 delivered, 2 undelivered, 16 rejected) do not contradict
-- each other: the first one stands, and a different final report after it
-- ('contradicts': a failure after a delivery, or a delivery after a failure)
-- changes nothing — Kannel does not send those; a forger would.
-- Owner: piket-inbound, for paging (page:{id}:dlr, :dlr_types and the page's
-- report fields). Called by inbound_delivery_reports for each report of a
-- batch (and each page of a bundle).
--#include "lib/cases_timeline.lua"
--#include "lib/notify_delivery_report.lua"
local function piket_inbound_dlr(page, type_s, now_s)
  local p = 'page:' .. page
  if redis.call('EXISTS', p) == 0 then return 'unknown' end
  local t = tonumber(type_s)
  local function final(x) return x == 1 or x == 2 or x == 16 end
  if final(t) then
    for _, seen in ipairs(redis.call('SMEMBERS', p .. ':dlr_types')) do
      local s = tonumber(seen)
      if final(s) and s ~= t then return 'contradicts' end
    end
  end
  if redis.call('SADD', p .. ':dlr_types', type_s) == 0 then return 'duplicate' end
  redis.call('RPUSH', p .. ':dlr', type_s .. ':' .. now_s)
  redis.call('HSET', p, 'dlr_type', type_s, 'dlr_at', now_s)
  local failed = t == 2 or t == 16
  if t == 1 then redis.call('HSET', p, 'delivered_at', now_s) end
  if failed then redis.call('HSET', p, 'delivery_failed_at', now_s) end
  local case = redis.call('HGET', p, 'case')
  piket_case_timeline_append(case, {at = tonumber(now_s), type = 'delivery_report', page = page,
                                     report = t, by = 'gateway'})
  return piket_notify_delivery_report(page, case, type_s, now_s)
end
