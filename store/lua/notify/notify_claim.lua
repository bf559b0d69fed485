#!lua
-- notify_claim: a worker claims a batch of due deliveries — urgent ones first — leases them and hands over what their sends need (Notifier::step)
-- (services/notify/src/notifier.cpp; typed arguments and reply: piket/store/delivery_scripts.hpp,
-- NotifyClaimArgs, parse_notify_claim_batch)
--
-- `#!lua` (claim and join): at Redis's memory limit a delivery is not claimed
-- at all — refused up front, whatever the script writes first (a plain script
-- is refused only at its first memory-growing write, and may have written
-- before it) — and is sent once memory is free (docs/data-model.md, "Memory
-- limit").
--
-- The batch is whatever is due now, up to ARGV[6] sends: one delivery at low
-- load. First what is due in notify:urgent (code red, escalations:
-- lib/notify_queue.lua), then the rest of notify:queue by due time. Each
-- delivery is claimed by the rules of one claim (lib/notify_claim_one.lua:
-- leases, in-doubt resends, delivery-report resolution, cancelled when
-- answered, the SMS bundle window and candidates), in that order, as if one
-- claim followed the other. With bundling (ARGV[4] > 0) a batch holds one SMS
-- per person: the person's other SMS deliveries due are left due, for the
-- join that follows (what fits goes along) or the next batch — as a claim of
-- one would find them after that join. A delivery is in one batch at most: claimed, it is
-- leased (due again only when the lease runs out), and two workers' claims
-- never run at once (one script).
--
-- The lease: the batch's sends go out over ARGV[8] gateway connections at
-- once, so the last may start ceil(sends / ARGV[8]) - 1 gateway timeouts
-- (ARGV[7]) after the first; each delivery's lease is ARGV[2] (one send's)
-- plus that many timeouts. Every delivery of the batch gets the same lease,
-- written once the batch is claimed (one ZADD per send): until then a claimed
-- delivery stays at its due time in notify:queue, and the look at what is due
-- passes over it as it passes over a deferred one.
--
-- KEYS: none. Writes what lib/notify_claim_one.lua says for each delivery (delivery:{id},
--   notify:queue, notify:urgent, notify:smsq:{person}, notify:smslast:{person}; paging's
--   store API for the page's state, piket-cases' for the case timeline, in the same script
--   for atomicity); drops from notify:urgent what is no longer in notify:queue.
-- ARGV[1]  now (transport ms)
-- ARGV[2]  lease until for one send (transport ms): now + gateway timeout + in-doubt grace
-- ARGV[3]  now (domain ms)
-- ARGV[4]  the SMS bundle window (ms; '0': no bundling)
-- ARGV[5]  at most this many bundle candidates per SMS
-- ARGV[6]  at most this many deliveries to send (default 1)
-- ARGV[7]  one gateway timeout (ms; default 0): what the lease grows by per round of sends
-- ARGV[8]  gateway connections: sends at once (default 1)
-- ARGV[9]  how long a send found in doubt waits for its worker's record before it goes
--   again (ms; default 0: at once; lib/notify_claim_one.lua, confirm_s)
-- ARGV[10] when the store last came back for this worker (transport ms; default 0: never
--   lost): that wait runs from it if it is later (lib/notify_claim_one.lua, back_s)
-- ARGV[11] '1': a page whose timer (notify:timers, domain time) is due by ARGV[3] comes
--   first: nothing is claimed, {'timer', page id} — its worker evaluates the page and claims
--   in its next step. One round trip for both looks, where a worker's step took two.
--   Default: the timers are not looked at.
-- Returns {'timer', page id} (ARGV[11] '1' only) | {'batch', lease until (transport ms), M, then M replies, each as its length and its
--   fields: a reply of lib/notify_claim_one.lua ('skip', 'resolved', 'held', 'doubt' or
--   'send')}, in
--   the order claimed. M = 0: nothing due.
--#include "lib/notify_claim_one.lua"
if ARGV[11] == '1' then
  local timer = redis.call('ZRANGEBYSCORE', 'notify:timers', '-inf', ARGV[3], 'LIMIT', 0, 1)
  if timer[1] then return {'timer', timer[1]} end
end
local tnow = tonumber(ARGV[1])
local max_sends = math.max(1, tonumber(ARGV[6] or '1') or 1)
local round = tonumber(ARGV[7] or '0') or 0
local lanes = math.max(1, tonumber(ARGV[8] or '1') or 1)
local function lease_for(sends)
  return tonumber(ARGV[2]) + (math.ceil(math.max(sends, 1) / lanes) - 1) * round
end
local window = tonumber(ARGV[4] or '0') or 0
-- Each delivery looked at leaves what is due now (leased, held, or off the
-- queue) or is deferred (below); this bounds the script's work even so.
local budget = 4 * max_sends + 16
local replies, sends = {}, {}
-- With bundling, one SMS per person per batch: the first SMS claimed for a
-- person takes along what fits of the person's others (notify_join, after
-- this script), so the person's other SMS deliveries due now are left alone
-- (deferred: still due, for the join or the next batch) — as a claim of one
-- after that SMS's join would find them.
-- The look reads what the claim needs too (`seen`, handed to it: one read).
local sms_to = {}
local seen = nil
local function deferred(did)
  seen = nil
  if window <= 0 then return false end
  seen = redis.call('HMGET', 'delivery:' .. did, unpack(PIKET_NOTIFY_CLAIM_FIELDS))
  return seen[2] == 'sms' and seen[6] and sms_to[seen[6]] or false
end
local claimed = {}  -- claimed for a send: still at its due time until the lease is written
local function claim(did)
  budget = budget - 1
  local r = piket_notify_claim_one(did, ARGV[1], nil, ARGV[3], ARGV[4], ARGV[5], ARGV[9],
                                   ARGV[10], seen)
  seen = nil
  replies[#replies + 1] = r
  if r[1] == 'send' then
    claimed[did] = true
    sends[#sends + 1] = {did = did, rank = r[19]}
    if r[3] == 'sms' and r[16] ~= '' then sms_to[r[16]] = true end
  end
end

-- Urgent first: what notify:urgent lists as due, checked against notify:queue.
-- A deferred delivery stays at the head of what is due: the next look skips it.
-- Nothing a look handles becomes due again now (what it moves, it moves past
-- now), so a look that found fewer than it asked for was the last.
local skip, last = 0, false
while #sends < max_sends and budget > 0 and not last do
  local want = max_sends - #sends
  local ids = redis.call('ZRANGEBYSCORE', 'notify:urgent', '-inf', ARGV[1], 'LIMIT', skip, want)
  last = #ids < want
  for _, did in ipairs(ids) do
    -- The index is written only where it is wrong: a claim moves what it keeps (its lease, a
    -- hold) or takes it off (lib/notify_queue.lua), and ZADD moves a listed member.
    local due = tonumber(redis.call('ZSCORE', 'notify:queue', did) or '')
    if not due then
      redis.call('ZREM', 'notify:urgent', did)  -- not due any more: off the index
    elseif due > tnow then
      redis.call('ZADD', 'notify:urgent', due, did)  -- its time moved: the index follows
    elseif budget > 0 and #sends < max_sends and not deferred(did) then
      claim(did)
      if claimed[did] then skip = skip + 1 end  -- listed at its due time until the lease
    else
      skip = skip + 1  -- not in this batch: stays listed
    end
  end
end
-- Then the rest, by due time.
skip, last = 0, false
while #sends < max_sends and budget > 0 and not last do
  local want = math.min(max_sends - #sends, budget)
  local ids = redis.call('ZRANGEBYSCORE', 'notify:queue', '-inf', ARGV[1], 'LIMIT', skip, want)
  last = #ids < want
  for _, did in ipairs(ids) do
    if claimed[did] then
      skip = skip + 1  -- claimed above from notify:urgent: due until its lease is written
    elseif deferred(did) then
      skip = skip + 1
      budget = budget - 1
    else
      claim(did)
      if claimed[did] then skip = skip + 1 end  -- due until its lease is written
    end
  end
end

-- The lease the batch needs, now that its size is known.
local lease = lease_for(#sends)
for _, s in ipairs(sends) do piket_notify_queue_at(s.did, lease, s.rank) end
local out = {'batch', tostring(lease), tostring(#replies)}
for _, r in ipairs(replies) do
  out[#out + 1] = tostring(#r)
  for _, v in ipairs(r) do out[#out + 1] = v end
end
return out
