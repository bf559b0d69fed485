#!lua flags=allow-oom
-- notify_complete_bundle: records one outcome for every delivery one bundled SMS carried, in one script (Notifier's send_bundle)
-- (services/notify/src/notifier.cpp, after notify_join; typed arguments:
-- piket/store/delivery_scripts.hpp, CompleteBundleArgs)
--
-- `allow-oom`: recorded even at Redis's memory limit (see notify_complete).
--
-- KEYS: none. Writes what lib/notify_complete_one.lua says, per delivery (with paging's and
--   piket-cases' store API, called in the same script for atomicity).
-- ARGV[1]  accepted | retry | failed
-- ARGV[2]  now (domain ms)
-- ARGV[3]  retry due (transport ms; '0' unless retry)
-- ARGV[4]  the gateway's status (HTTP, 0: no answer)
-- ARGV[5]  detail (the error text)
-- ARGV[6]  failure reason
-- ARGV[7..] the bundle's delivery ids
-- Returns the outcome applied per delivery, in the order given (as notify_complete).
--#include "lib/notify_complete_one.lua"
local out = {}
for i = 7, #ARGV do
  out[#out + 1] = piket_notify_complete_one(ARGV[i], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5],
                                            ARGV[6])
end
return out
