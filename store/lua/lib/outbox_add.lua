-- outbox_add (lib): piket_outbox_add(channel, id, payload, due) puts a message
-- in a receiver's outbox in the same script as the state change that causes
-- it (common/messaging.hpp; docs/data-model.md "Outboxes"): the receiver's
-- sender (re)sends it from outbox:{channel}:due (id -> due, transport ms) and
-- outbox:{channel}:data (id -> payload) until it is acknowledged.
local function piket_outbox_add(channel, id, payload, due)
  redis.call('ZADD', 'outbox:' .. channel .. ':due', due, id)
  redis.call('HSET', 'outbox:' .. channel .. ':data', id, payload)
end
