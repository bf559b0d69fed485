-- notify_webpush_retry_put: keeps a Web Push message that is to be tried again
-- for one subscription (push/src/retry_store.cpp, run by piket-notify's
-- sender), so that a restart of notify does not lose it. The same job again
-- (the same message for the same subscription) is moved to its new time.
-- Bounded: at most ARGV[4] jobs per subscription and ARGV[5] in all; beyond,
-- nothing is written.
--
-- KEYS: 1 webpush:retry:due, 2 webpush:retry:data,
--       3 webpush:retries:{person}:{subscription}.
-- ARGV: 1 job id, 2 the job as JSON, 3 when it is due (transport ms),
--       4 the most per subscription, 5 the most in all.
-- Returns 1 kept (new), 2 moved (the job was there), 0 refused at a limit.
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  redis.call('SADD', KEYS[3], ARGV[1])
  return 2
end
if redis.call('SCARD', KEYS[3]) >= tonumber(ARGV[4]) then return 0 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[5]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[1])
return 1
