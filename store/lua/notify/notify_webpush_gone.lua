-- notify_webpush_gone: removes a Web Push subscription its push service
-- answered 404 or 410 for (push/src/subscriptions.cpp, run by piket-notify),
-- only if it is still the one that was sent to: a renewal in between (same
-- endpoint, new keys) is kept.
--
-- KEYS: 1 webpush:subs:{person}. ARGV: 1 subscription id, 2 the JSON sent to.
-- Returns 1 removed, 0 kept (gone already or renewed).
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
