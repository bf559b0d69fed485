-- paging_family_route (lib): the family router's store API (issue 18)
-- Owner: paging (piket-dispatch's family router, services/dispatch/family_router.hpp):
-- family:due, the family messages whose routing takes its next step at a time (domain ms),
-- family:route:{case}:{message} and family:sender:{id}. This is paging's store API for
-- inbound, which stores a family's message (inbound_family_message.lua) and starts its
-- routing in the same script (atomicity: no message that nobody is paged for), and which
-- records a page's answer (inbound_page_answer.lua) and wakes the routing of a family
-- message in the same script (the router records the acknowledgement at once).
--
-- piket_family_route_start(case_id, message_id, at_ms, sender): the routing starts at at_ms;
--   sender: the family:sender:{id} to answer "received" once the message is acknowledged
--   ('' none: a perpetrator's number is never told).
-- piket_family_sender_put(id, number, ttl_ms): the number that wrote, for that one answer
--   (E.164; kept at most ttl_ms, real time, and dropped once used).
-- piket_family_route_wake(step, case_id, now_ms): for a page whose step is
--   'family|<message>|…' (lib/paging_page_create.lua), the routing's next step now; returns
--   the message id, or nil for any other page.
-- piket_family_wake_message(id, payload, due): the router's wake-up, on the escalation
--   outbox (inbound → dispatch, common/channels.hpp): payload {reason = 'family', …}.
--#include "lib/outbox_add.lua"
local function piket_family_route_start(case_id, message_id, at_ms, sender)
  redis.call('ZADD', 'family:due', at_ms, case_id .. '|' .. message_id)
  if sender and sender ~= '' then
    redis.call('HSET', 'family:route:' .. case_id .. ':' .. message_id, 'sender', sender)
  end
end
local function piket_family_sender_put(id, number, ttl_ms)
  redis.call('HSET', 'family:sender:' .. id, 'to', number)
  redis.call('PEXPIRE', 'family:sender:' .. id, ttl_ms)
end
local function piket_family_route_wake(step, case_id, now_ms)
  local msg = string.match(step or '', '^family|([^|]+)|')
  if not msg or not case_id or case_id == '' then return nil end
  redis.call('ZADD', 'family:due', now_ms, case_id .. '|' .. msg)
  return msg
end
local function piket_family_wake_message(id, payload, due)
  piket_outbox_add('escalation', id, cjson.encode(payload), due)
end
