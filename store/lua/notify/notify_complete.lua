#!lua flags=allow-oom
-- notify_complete: records what the gateways did with a batch of sends, each delivery's outcome as if it were recorded alone (Notifier::step)
-- (services/notify/src/notifier.cpp; typed arguments: piket/store/delivery_scripts.hpp,
-- NotifyCompleteArgs)
--
-- One script for the whole batch: the outcomes share one write to Redis (and,
-- with appendfsync always, one fsync). A bundled SMS is one outcome given for
-- each of its deliveries. Each delivery is applied on its own
-- (lib/notify_complete_one.lua): one that is no longer `sending` (answered,
-- failed by a report meanwhile) keeps its state, whatever the others did.
--
-- `allow-oom`: what a gateway did with a message is recorded even when Redis
-- is at its memory limit (a few hash fields per send). Refusing it would
-- leave the deliveries `sending` and, after the lease, send their SMS a
-- second time.
--
-- KEYS: none. Writes what lib/notify_complete_one.lua says, per delivery: delivery:{id},
--   notify:queue, notify:urgent, notify:smsq:{person}, notify:timers, and calls the owners'
--   store API in the same script for atomicity: paging's for page:{id}
--   (lib/paging_page_delivery.lua), piket-cases' for the case timeline
--   (lib/cases_timeline.lua).
-- ARGV[1]  now (domain ms)
-- ARGV[2..] per delivery six: delivery id, accepted | retry | failed, retry due (transport ms;
--          '0' unless retry), the gateway's status (HTTP, 0: no answer), detail (the error
--          text), failure reason (gateway_down, permanent, privacy_check, …)
-- Returns per delivery, in the order given, the outcome applied ('accepted', 'retry',
-- 'failed', 'cancelled') or the state found ('missing': no delivery).
--#include "lib/notify_complete_one.lua"
local out = {}
for i = 2, #ARGV - 5, 6 do
  out[#out + 1] = piket_notify_complete_one(ARGV[i], ARGV[i + 1], ARGV[1], ARGV[i + 2],
                                            ARGV[i + 3], ARGV[i + 4], ARGV[i + 5])
end
return out
