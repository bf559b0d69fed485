#include "piket/web/login_guard.hpp"

#include <algorithm>
#include <string>

#include "piket/common/crypto.hpp"
#include "piket/common/redis.hpp"

namespace piket::web {
namespace {

// Account names come from the sign-in form: hash them so no caller-chosen
// text ends up in a key name.
std::string account_key(const std::string& account) {
  return "web:login:account:" + common::sha256_hex(account).substr(0, 32);
}
std::string address_key(const std::string& address) {
  return "web:login:address:" + common::sha256_hex(address).substr(0, 32);
}

constexpr long long kFirstDelayMs = 1000;

// KEYS: 1 account, 2 address. ARGV: 1 now ms, 2 window ms, 3 free failures,
// 4 address max failures, 5 max delay ms, 6 first delay ms.
// Returns {'admitted'} or {'account'|'address', retry after ms}.
const common::RedisScript& admit_script() {
  static const common::RedisScript s{R"lua(
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local a = redis.call('HMGET', KEYS[2], 'count', 'since')
local count, since = tonumber(a[1]) or 0, tonumber(a[2]) or now
if now - since >= window or now < since then count, since = 0, now end
if count >= tonumber(ARGV[4]) then return {'address', since + window - now} end
local f = redis.call('HMGET', KEYS[1], 'failures', 'last', 'next_at')
local failures, last, next_at = tonumber(f[1]) or 0, tonumber(f[2]) or 0, tonumber(f[3]) or 0
if failures > 0 and now - last >= window then failures, next_at = 0, 0 end
if next_at > now then return {'account', next_at - now} end
-- Admitted: counted as a failure now; a success takes it back.
failures = failures + 1
local free = tonumber(ARGV[3])
if failures >= free then
  next_at = now + math.min(tonumber(ARGV[5]), tonumber(ARGV[6]) * 2 ^ math.min(failures - free, 30))
else
  next_at = 0
end
redis.call('HSET', KEYS[1], 'failures', failures, 'last', now, 'next_at', next_at)
redis.call('PEXPIRE', KEYS[1], window + tonumber(ARGV[5]))
redis.call('HSET', KEYS[2], 'count', count + 1, 'since', since)
redis.call('PEXPIRE', KEYS[2], window)
return {'admitted'}
)lua"};
  return s;
}

// KEYS: 1 account, 2 address.
const common::RedisScript& success_script() {
  static const common::RedisScript s{R"lua(
redis.call('DEL', KEYS[1])
local count = tonumber(redis.call('HGET', KEYS[2], 'count') or '0')
if count > 0 then redis.call('HSET', KEYS[2], 'count', count - 1) end
return 1
)lua"};
  return s;
}

}  // namespace

LoginGuard::LoginGuard(common::RedisPool& redis, const common::Clock& clock, LoginLimits limits)
    : redis_(redis), clock_(clock), limits_(limits) {}

LoginGuard::Admission LoginGuard::admit(const std::string& account, const std::string& address) {
  auto lease = redis_.lease();
  const auto r = lease->eval(
      admit_script(), {account_key(account), address_key(address)},
      {std::to_string(common::to_epoch_ms(clock_.now())), std::to_string(limits_.window.count()),
       std::to_string(limits_.account_free_failures), std::to_string(limits_.address_max_failures),
       std::to_string(limits_.max_delay.count()), std::to_string(kFirstDelayMs)});
  if (r.elements.empty() || r.elements[0].str == "admitted") return {};
  Admission a;
  a.kind = r.elements[0].str == "address" ? Admission::Kind::address_blocked
                                          : Admission::Kind::account_delayed;
  a.retry_after = common::Millis{r.elements.size() > 1 ? std::max(1LL, r.elements[1].integer) : 1};
  return a;
}

void LoginGuard::succeeded(const std::string& account, const std::string& address) {
  auto lease = redis_.lease();
  lease->eval(success_script(), {account_key(account), address_key(address)}, {});
}

}  // namespace piket::web
