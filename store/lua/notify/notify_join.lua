#!lua
-- notify_join: claims the deliveries that go along in one bundled SMS with the one already claimed, and records the bundle (Notifier's send_bundle)
-- (services/notify/src/notifier.cpp, after notify_claim; typed arguments:
-- piket/store/delivery_scripts.hpp, JoinArgs)
--
-- `#!lua`: at Redis's memory limit nothing is claimed at all (see notify_claim).
--
-- KEYS: none. Writes delivery:{id} of each candidate that joins (state sending, attempts,
--   sending_since, bundle, in_doubt_resends) and the claimed one's bundle field,
--   notify:queue and notify:urgent (the lease: lib/notify_queue.lua), notify:smsq:{person}
--   and smsbundle:{bundle} (person, deliveries, pages, created_at; expires after ARGV[5]); calls paging's store API in the
--   same script for atomicity for each joining page's state (queued -> sending:
--   lib/paging_page_delivery.lua).
-- ARGV[1]  bundle id
-- ARGV[2]  the claimed delivery id (must still be `sending`)
-- ARGV[3]  lease until (transport ms): the claim's batch lease
-- ARGV[4]  now (domain ms)
-- ARGV[5]  how long smsbundle:{id} is kept (ms), for late delivery reports
-- ARGV[6]  now (transport ms)
-- ARGV[7..] candidate delivery ids. Each joins if still waiting (queued or retry, or in
--          doubt: `sending` with its lease over and no delivery report), an SMS to the
--          same person, and its page unanswered.
-- Returns the delivery ids in the bundle, the claimed one first ({} when it is no longer
-- being sent).
--#include "lib/paging_page_delivery.lua"
--#include "lib/notify_queue.lua"
local first = 'delivery:' .. ARGV[2]
local f = redis.call('HMGET', first, 'state', 'page', 'person')
if f[1] ~= 'sending' or not f[2] then return {} end
local joined, pages = {ARGV[2]}, {f[2]}
local tnow = tonumber(ARGV[6])
for i = 7, #ARGV do
  local cid = ARGV[i]
  local d = 'delivery:' .. cid
  local c = redis.call('HMGET', d, 'state', 'page', 'channel', 'person', 'dlr_type',
                       'doubt_seen')
  -- Waiting, or in doubt: left sending by a crash, its lease over, no report
  -- (or found in doubt already: a member of the in-doubt bundle that goes
  -- again, lib/notify_claim_one.lua).
  local in_doubt = c[1] == 'sending' and not c[5]
                   and (c[6] or tonumber(redis.call('ZSCORE', 'notify:queue', cid) or 'inf') <= tnow)
  if (c[1] == 'queued' or c[1] == 'retry' or in_doubt) and c[3] == 'sms' and c[4] == f[3] then
    local p = 'page:' .. c[2]
    local pf = redis.call('HMGET', p, 'state', 'rank')
    local ps = pf[1]
    if ps and ps ~= 'acknowledged' and ps ~= 'declined' and ps ~= 'cancelled'
       and ps ~= 'failed' and ps ~= 'duplicate' then
      if in_doubt then redis.call('HINCRBY', d, 'in_doubt_resends', 1) end
      redis.call('HINCRBY', d, 'attempts', 1)
      redis.call('HSET', d, 'state', 'sending', 'sending_since', ARGV[4], 'bundle', ARGV[1])
      redis.call('HDEL', d, 'doubt_seen')
      piket_notify_queue_at(cid, ARGV[3], pf[2])
      redis.call('ZREM', 'notify:smsq:' .. f[3], cid)
      piket_page_sending(c[2])
      joined[#joined + 1] = cid
      pages[#pages + 1] = c[2]
    end
  end
end
redis.call('HSET', first, 'bundle', ARGV[1])
local b = 'smsbundle:' .. ARGV[1]
redis.call('HSET', b, 'person', f[3] or '', 'deliveries', table.concat(joined, ','),
           'pages', table.concat(pages, ','), 'created_at', ARGV[4])
redis.call('PEXPIRE', b, ARGV[5])
return joined
