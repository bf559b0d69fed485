-- outbox_claim_due: an outbox sender takes the messages that are due and
-- leases them (common/messaging.hpp, OutboxSender; docs/data-model.md,
-- "Outboxes").
--
-- KEYS[1]  outbox:{receiver}:due   zset  message id -> when it is (next) due, transport ms
-- KEYS[2]  outbox:{receiver}:data  hash  message id -> payload
-- ARGV[1]  now (transport ms): what is due at or before it is taken
-- ARGV[2]  when a taken message is due again unless the receiver
--          acknowledges it first (transport ms): its lease
-- ARGV[3]  how many at most
--
-- Returns a flat list {id, payload, id, payload, ...} in due order. A due id
-- without a payload (acknowledged meanwhile) is dropped from the zset.
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local p = redis.call('HGET', KEYS[2], id)
  if p then
    redis.call('ZADD', KEYS[1], ARGV[2], id)
    out[#out + 1] = id
    out[#out + 1] = p
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out
