#include "piket/web/login_guard.hpp"

#include <algorithm>
#include <string>

#include "piket/common/crypto.hpp"
#include "piket/common/redis.hpp"
#include "piket/store/lua.hpp"
#include "piket/store/session.hpp"

namespace piket::web {
namespace {

// Account names come from the sign-in form: hash them so no caller-chosen
// text ends up in a key name.
std::string account_key(const std::string& account) {
  return store::login_account_key(common::sha256_hex(account).substr(0, 32));
}
std::string address_key(const std::string& address) {
  return store::login_address_key(common::sha256_hex(address).substr(0, 32));
}

constexpr long long kFirstDelayMs = 1000;

// KEYS, ARGV and reply: store/lua/web/web_login_admit.lua.
const common::RedisScript& admit_script() {
  static const common::RedisScript s{std::string(lua::web_login_admit())};
  return s;
}

// KEYS, ARGV and reply: store/lua/web/web_login_success.lua.
const common::RedisScript& success_script() {
  static const common::RedisScript s{std::string(lua::web_login_success())};
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
