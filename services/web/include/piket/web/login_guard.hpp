#pragma once
// Lock-out after repeated failed sign-ins: `max_failures` failures for one
// account within `lockout` lock it for `lockout` (a correct password is then
// refused too); an address is locked after four times as many, whichever
// accounts it tried. Counters live in Redis and expire on their own.

#include <string>

#include "piket/common/clock.hpp"
#include "piket/common/redis_pool.hpp"

namespace piket::web {

class LoginGuard {
 public:
  LoginGuard(common::RedisPool& redis, int max_failures, common::Millis lockout);

  bool locked(const std::string& account, const std::string& remote);
  void failed(const std::string& account, const std::string& remote);
  void succeeded(const std::string& account);

 private:
  common::RedisPool& redis_;
  int max_failures_;
  common::Millis lockout_;
};

}  // namespace piket::web
