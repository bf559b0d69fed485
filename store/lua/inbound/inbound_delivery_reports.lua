-- inbound_delivery_reports: records a batch of Kannel delivery reports — whatever reports were
-- waiting when inbound's writer took them — in one script, so that they share one append-only
-- file write and fsync (InboundApi, GET /kannel/dlr; services/inbound/src/report_batch.cpp)
--
-- KEYS: none. Per report writes what lib/inbound_dlr.lua says: page:{id}, page:{id}:dlr and
--   page:{id}:dlr_types, and calls the owners' store API in the same script for atomicity:
--   piket-cases' for the case timeline (lib/cases_timeline.lua) and notify's for
--   delivery:{id}:sms, notify:queue, notify:timers and the page's rev
--   (lib/notify_delivery_report.lua, with paging's lib/paging_page_rev.lua). A report of one
--   SMS that carried several pages (a bundle) reads smsbundle:{id} (pages; written by notify
--   before the send) and counts for each of its pages.
-- ARGV[1]  now (domain ms)
-- ARGV[2…] the reports, three arguments each:
--          bundle id ('' for a single page's SMS), the page id the report names,
--          report type (0-255: 1 delivered, 2 undelivered, 16 rejected, 8 at the SMSC, …)
-- Returns one array per report, in order: {page, outcome, page, outcome, …} — one pair for a
--   single page's SMS; for a bundle one pair per page in the bundle's order, or {} when the
--   bundle is unknown or does not hold the page. Outcomes: 'unknown', 'contradicts',
--   'duplicate', 'recorded' or 'failed'.
--#include "lib/inbound_dlr.lua"
local now = ARGV[1]
local out = {}
for k = 2, #ARGV - 2, 3 do
  local bundle, page, type_s = ARGV[k], ARGV[k + 1], ARGV[k + 2]
  local r = {}
  if bundle == '' then
    r = {page, piket_inbound_dlr(page, type_s, now)}
  else
    local pages = redis.call('HGET', 'smsbundle:' .. bundle, 'pages')
    local named = false
    if pages then
      for p in string.gmatch(pages, '[^,]+') do named = named or p == page end
    end
    if named then
      for p in string.gmatch(pages, '[^,]+') do
        r[#r + 1] = p
        r[#r + 1] = piket_inbound_dlr(p, type_s, now)
      end
    end
  end
  out[#out + 1] = r
end
return out
