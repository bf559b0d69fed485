-- web_push_subscribe: registers (or renews) a person's Web Push subscription,
-- within the per-person limit (push/src/subscriptions.cpp)
--
-- KEYS: 1 webpush:subs:{person}. ARGV: 1 subscription id (from its endpoint),
-- 2 the subscription as JSON, 3 the most a person may hold.
-- Returns 1 added, 2 renewed (the same endpoint again: its keys replaced),
-- 0 refused at the limit (nothing written).
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 2
end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
