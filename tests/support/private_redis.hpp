#pragma once
// Test support: a private redis-server on a free port with its own data directory (a TempDir),
// started on construction and stopped on destruction. Link piket_launch and piket_common.
// One per test suite is enough: tests FLUSHALL in their fixture's constructor.
//
// With ACL (as every deployment runs): a secrets directory inside the TempDir holds the
// passwords (common::ensure_deployment_secrets), the default user is unusable, and config()
// authenticates as "ops", which may do anything (tests inspect and flush).

#include <chrono>
#include <string>
#include <vector>

#include "piket/common/config.hpp"
#include "piket/common/secrets.hpp"
#include "piket/launch/redis_server.hpp"
#include "temp_dir.hpp"

namespace piket::test {

class PrivateRedis {
 public:
  explicit PrivateRedis(const std::string& prefix = "piket-redis", bool with_acl = false)
      : dir_(prefix), server_(make_config(dir_.path(), with_acl)), with_acl_(with_acl) {
    server_.start();
  }
  ~PrivateRedis() { server_.stop(); }
  PrivateRedis(const PrivateRedis&) = delete;
  PrivateRedis& operator=(const PrivateRedis&) = delete;

  common::RedisConfig config(common::Millis timeout = common::Millis{2000}) const {
    common::RedisConfig c{{"127.0.0.1", server_.port()}, timeout};
    if (with_acl_) {
      c.user = "ops";
      c.password =
          common::SecretStore(secrets_dir()).read(common::secret_file::redis_password("ops"));
    }
    return c;
  }
  // Where the deployment secrets of this Redis are (with ACL only).
  std::filesystem::path secrets_dir() const { return dir_.path() / "secrets"; }
  launch::RedisServer& server() { return server_; }

 private:
  static launch::RedisServerConfig make_config(const std::filesystem::path& dir, bool with_acl) {
    launch::RedisServerConfig c{0, dir / "redis"};
    if (!with_acl) return c;
    common::ensure_deployment_secrets(dir / "secrets");
    const common::SecretStore store(dir / "secrets");
    c.users.push_back(
        {"ops", store.read(common::secret_file::redis_password("ops")), "~* &* +@all"});
    for (auto holder : common::kSecretHolders)
      if (holder != "ops")
        c.users.push_back({std::string(holder),
                           store.read(common::secret_file::redis_password(holder)),
                           "~* &* +@all -@dangerous"});
    return c;
  }

  TempDir dir_;
  launch::RedisServer server_;
  bool with_acl_;
};

}  // namespace piket::test
