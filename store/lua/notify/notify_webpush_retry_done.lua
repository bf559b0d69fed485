-- notify_webpush_retry_done: forgets Web Push retries (push/src/retry_store.cpp,
-- run by piket-notify's sender): one job that ended (sent, refused, out of
-- tries, its subscription removed), or every job of a subscription its push
-- service said is gone (404, 410).
--
-- KEYS: 1 webpush:retry:due, 2 webpush:retry:data,
--       3 webpush:retries:{person}:{subscription}.
-- ARGV: 1 the job id, or '*' for all of the subscription's jobs.
-- Returns how many jobs were forgotten.
local ids = {ARGV[1]}
if ARGV[1] == '*' then ids = redis.call('SMEMBERS', KEYS[3]) end
local n = 0
for _, id in ipairs(ids) do
  n = n + redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  redis.call('SREM', KEYS[3], id)
end
return n
