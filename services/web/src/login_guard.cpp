#include "piket/web/login_guard.hpp"

#include "piket/common/crypto.hpp"

namespace piket::web {
namespace {

// Account names come from the sign-in form: hash them so no caller-chosen
// text ends up in a key name.
std::string account_key(const std::string& account) {
  return "web:login_failures:account:" + common::sha256_hex(account).substr(0, 32);
}
std::string remote_key(const std::string& remote) {
  return "web:login_failures:remote:" + common::sha256_hex(remote).substr(0, 32);
}

long long count(const common::RedisReply& r) {
  if (auto s = r.opt_string()) return std::stoll(*s);
  return 0;
}

}  // namespace

LoginGuard::LoginGuard(common::RedisPool& redis, int max_failures, common::Millis lockout)
    : redis_(redis), max_failures_(max_failures), lockout_(lockout) {}

bool LoginGuard::locked(const std::string& account, const std::string& remote) {
  auto lease = redis_.lease();
  auto r = lease->pipeline({{"GET", account_key(account)}, {"GET", remote_key(remote)}});
  return count(r.at(0)) >= max_failures_ || count(r.at(1)) >= 4LL * max_failures_;
}

void LoginGuard::failed(const std::string& account, const std::string& remote) {
  const auto ttl = std::to_string(lockout_.count());
  auto lease = redis_.lease();
  // The window starts at the first failure; at the limit it restarts, so the
  // lock lasts `lockout` from the failure that set it.
  auto r = lease->pipeline({{"INCR", account_key(account)},
                            {"PEXPIRE", account_key(account), ttl, "NX"},
                            {"INCR", remote_key(remote)},
                            {"PEXPIRE", remote_key(remote), ttl, "NX"}});
  if (r.at(0).integer == max_failures_) lease->command({"PEXPIRE", account_key(account), ttl});
  if (r.at(2).integer == 4LL * max_failures_) lease->command({"PEXPIRE", remote_key(remote), ttl});
}

void LoginGuard::succeeded(const std::string& account) {
  auto lease = redis_.lease();
  lease->command({"DEL", account_key(account)});
}

}  // namespace piket::web
