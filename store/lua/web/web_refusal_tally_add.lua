-- web_refusal_tally_add: counts refused unauthenticated requests per address and minute, bounded
-- (services/web/src/refusal_tally.cpp)
--
-- KEYS: 1 web:unauth:{minute}, 2 web:unauth:minutes. ARGV: 1 most addresses
-- told apart, 2 minute, 3 keep ms, then pairs of address and count.
local most = tonumber(ARGV[1])
for i = 4, #ARGV - 1, 2 do
  local field = ARGV[i]
  if redis.call('HEXISTS', KEYS[1], field) == 0 and redis.call('HLEN', KEYS[1]) >= most then
    field = 'other'
  end
  redis.call('HINCRBY', KEYS[1], field, ARGV[i + 1])
end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
