-- notify_queue (lib): when a delivery is due in notify:queue, and which due
-- deliveries go first.
-- Owner: piket-notify (notify:queue, notify:urgent).
--
--   piket_notify_is_urgent(rank): true for a page rank below 10
--     (paging::page_rank::kIncident, paging/page_class.hpp): code red, an
--     escalation, a deadline escalation, a no-first-contact re-page. Routine
--     incidents, reminders and information are not; a page without a rank is
--     not.
--   piket_notify_queue_at(did, at, rank): the delivery is due at `at`
--     (transport ms) in notify:queue; an urgent one is also listed in
--     notify:urgent at the same time.
--   piket_notify_dequeue(did): the delivery is due no more (off both).
--
-- notify:urgent is an index of notify:queue, not a queue of its own: the
-- claim (notify_claim.lua) takes what is due in it first, and trusts
-- notify:queue alone — a member no longer in notify:queue is dropped from
-- the index when seen, one whose time moved is moved with it. So a script
-- that takes a delivery off notify:queue (a report, an answer, a push) need
-- not know the index; one that puts a delivery on it should use
-- piket_notify_queue_at, or the delivery goes in due-time order only.
local function piket_notify_is_urgent(rank)
  local r = tonumber(rank or '')
  return r ~= nil and r < 10
end
local function piket_notify_queue_at(did, at, rank)
  redis.call('ZADD', 'notify:queue', at, did)
  if piket_notify_is_urgent(rank) then redis.call('ZADD', 'notify:urgent', at, did) end
end
local function piket_notify_dequeue(did)
  redis.call('ZREM', 'notify:queue', did)
  redis.call('ZREM', 'notify:urgent', did)
end
