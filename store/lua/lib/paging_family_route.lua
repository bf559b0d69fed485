-- paging_family_route (lib): piket_family_route_start(case_id, message_id, at_ms)
-- Owner: paging (piket-dispatch's family router, services/dispatch/family_router.hpp):
-- family:due, the family messages whose routing takes its next step at a time (domain ms).
-- This is paging's store API for inbound, which stores a family's message
-- (inbound_family_message.lua) and starts its routing in the same script (atomicity: no
-- message that nobody is paged for).
local function piket_family_route_start(case_id, message_id, at_ms)
  redis.call('ZADD', 'family:due', at_ms, case_id .. '|' .. message_id)
end
