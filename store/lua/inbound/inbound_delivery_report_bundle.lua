-- inbound_delivery_report_bundle: records a delivery report of one SMS that carried several pages, for each of them (InboundApi, GET /kannel/dlr with bundle)
-- (services/inbound/src/inbound_api.cpp)
--
-- KEYS: none. Reads smsbundle:{id} (pages; written by notify before the send); writes per
--   page what inbound_delivery_report writes, and like it calls the owners' store API in
--   the same script for atomicity (piket-cases' timeline, notify's SMS delivery:
--   lib/inbound_dlr.lua).
-- ARGV[1]  bundle id
-- ARGV[2]  the page the report names (must be one of the bundle's)
-- ARGV[3]  report type
-- ARGV[4]  now (domain ms)
-- Returns {page, outcome, page, outcome, …} in the bundle's order ({} when the bundle is
-- unknown or does not hold the page).
--#include "lib/inbound_dlr.lua"
local pages = redis.call('HGET', 'smsbundle:' .. ARGV[1], 'pages')
if not pages then return {} end
local out, named = {}, false
for page in string.gmatch(pages, '[^,]+') do named = named or page == ARGV[2] end
if not named then return {} end
for page in string.gmatch(pages, '[^,]+') do
  out[#out + 1] = page
  out[#out + 1] = piket_inbound_dlr(page, ARGV[3], ARGV[4])
end
return out
