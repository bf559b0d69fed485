#pragma once
// Sign-in throttling that a stranger cannot turn into a lock-out
// (docs/web.md, "Sign-in throttling"):
//   - per address: at most `address_max_failures` failed sign-ins in a window
//     of `window` that starts with the first one; then that address is
//     refused until the window ends (whatever the account);
//   - per account: the first `account_free_failures` failures cost nothing;
//     each further one makes the next attempt on the account wait a delay
//     that doubles (1 s, 2 s, 4 s, …) up to `max_delay`, counted from that
//     failure. No hard lock: whoever knows the password gets in after at
//     most `max_delay`, from any address not itself blocked. Attempts refused
//     during a delay check no password and do not lengthen it.
// Admission is one Lua script that counts the attempt as a failure before the
// password is checked (a success takes it back), so concurrent attempts can
// never run more password checks than the limits allow. Time comes from the
// injected transport clock; Redis TTLs only collect the garbage.
// Keys: web:login:account:{h}, web:login:address:{h} (h: SHA-256 prefix).

#include <string>

#include "piket/common/clock.hpp"
#include "piket/common/redis_pool.hpp"

namespace piket::web {

struct LoginLimits {
  int account_free_failures = 5;
  common::Millis window{15 * 60 * 1000};
  int address_max_failures = 20;
  common::Millis max_delay{60 * 1000};
};

class LoginGuard {
 public:
  LoginGuard(common::RedisPool& redis, const common::Clock& clock, LoginLimits limits);

  struct Admission {
    enum class Kind { admitted, account_delayed, address_blocked } kind = Kind::admitted;
    common::Millis retry_after{0};  // when refused
    explicit operator bool() const { return kind == Kind::admitted; }
  };
  // Before a password check. Admitted: the attempt is already counted as a
  // failure; call succeeded() if the password was right.
  Admission admit(const std::string& account, const std::string& address);
  void succeeded(const std::string& account, const std::string& address);

 private:
  common::RedisPool& redis_;
  const common::Clock& clock_;
  LoginLimits limits_;
};

}  // namespace piket::web
