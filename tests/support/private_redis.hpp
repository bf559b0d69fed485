#pragma once
// Test support: a private redis-server on a free port with its own data directory (a TempDir),
// started on construction and stopped on destruction. Link piket_launch and piket_common.
// One per test suite is enough: tests FLUSHALL in their fixture's constructor.
//
// It runs as every deployment does: with the ACL users of common/redis_acl.hpp (passwords in a
// secrets directory inside the TempDir, made by common::ensure_deployment_secrets), the default
// user unusable, protected-mode on, and maxmemory with noeviction.
// - config() authenticates as "ops", which may do anything (tests seed, inspect and flush);
// - config_as("notify") authenticates as that service's own user, which may run only the
//   commands its code needs: a test that runs a service's real scripts through config_as(...)
//   proves that its least privilege is enough.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "piket/common/config.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_acl.hpp"
#include "piket/common/secrets.hpp"
#include "piket/launch/redis_server.hpp"
#include "temp_dir.hpp"

namespace piket::test {

class PrivateRedis {
 public:
  // The tests' default memory limit: the launcher's (256 MiB), far above what a test stores.
  static constexpr std::uint64_t kDefaultMaxmemory = 256ULL * 1024 * 1024;

  explicit PrivateRedis(const std::string& prefix = "piket-redis",
                        std::uint64_t maxmemory_bytes = kDefaultMaxmemory)
      : dir_(prefix), server_(make_config(dir_.path(), maxmemory_bytes)) {
    server_.start();
  }
  ~PrivateRedis() { server_.stop(); }
  PrivateRedis(const PrivateRedis&) = delete;
  PrivateRedis& operator=(const PrivateRedis&) = delete;

  // As "ops".
  common::RedisConfig config(common::Millis timeout = common::Millis{2000}) const {
    return config_as("ops", timeout);
  }
  // As `user`: "ops" or a service (ingest, dispatch, notify, inbound, cases, web).
  common::RedisConfig config_as(std::string_view user,
                                common::Millis timeout = common::Millis{2000}) const {
    common::RedisConfig c{{"127.0.0.1", server_.port()}, timeout};
    c.user = std::string(user);
    c.password = common::SecretStore(secrets_dir()).read(common::secret_file::redis_password(user));
    return c;
  }
  // Gives `config` the credentials of `user` on this Redis (address, user, password) and
  // points its secrets directory here: what service_main does for a service.
  void use_as(common::SharedConfig& config, std::string_view user) const {
    const auto timeout = config.redis.timeout;
    config.redis = config_as(user, timeout);
    config.secrets_dir = secrets_dir();
  }
  // Where the deployment secrets of this Redis are.
  std::filesystem::path secrets_dir() const { return dir_.path() / "secrets"; }
  launch::RedisServer& server() { return server_; }

 private:
  static launch::RedisServerConfig make_config(const std::filesystem::path& dir,
                                               std::uint64_t maxmemory_bytes) {
    launch::RedisServerConfig c{0, dir / "redis"};
    common::ensure_deployment_secrets(dir / "secrets");
    for (auto& u : common::deployment_redis_users(dir / "secrets"))
      c.users.push_back({std::move(u.name), std::move(u.password), std::move(u.rules)});
    c.maxmemory_bytes = maxmemory_bytes;
    return c;
  }

  TempDir dir_;
  launch::RedisServer server_;
};

// Fills Redis (as `ops`) with strings "piket-test:fill:<n>" until it refuses even a small
// write at maxmemory; returns how many it wrote. Big values first, then smaller ones: a big
// SET is refused while its own arguments push memory over the limit, and memory falls back
// under it when they are freed. Give the PrivateRedis a small limit (a few MiB).
inline int fill_to_maxmemory(common::RedisConnection& ops) {
  int n = 0;
  for (const std::size_t size : {64 * 1024, 1024, 16}) {
    const std::string value(size, 'x');
    for (;;) {
      if (n > 200000)
        throw std::runtime_error("fill_to_maxmemory: Redis never refused a write (no maxmemory?)");
      try {
        ops.command({"SET", "piket-test:fill:" + std::to_string(n), value});
        ++n;
      } catch (const common::RedisFullError&) {
        break;
      }
    }
  }
  return n;
}

// Deletes what fill_to_maxmemory wrote: Redis accepts writes again.
inline void free_filled(common::RedisConnection& ops, int n) {
  std::vector<std::string> del{"DEL"};
  for (int i = 0; i < n; ++i) del.push_back("piket-test:fill:" + std::to_string(i));
  if (n > 0) ops.command(del);
}

// Every key in Redis (SCAN, as ops), sorted.
inline std::vector<std::string> all_keys(common::RedisConnection& ops) {
  std::vector<std::string> keys;
  std::string cursor = "0";
  do {
    const auto r = ops.command({"SCAN", cursor, "COUNT", "1000"});
    cursor = r.elements.at(0).str;
    for (const auto& k : r.elements.at(1).elements) keys.push_back(k.str);
  } while (cursor != "0");
  std::sort(keys.begin(), keys.end());
  return keys;
}

// How many times Redis has run `command` (lower case, e.g. "zadd") since its start or the last
// CONFIG RESETSTAT, as INFO commandstats counts it: Redis 7 counts the commands a script runs.
inline long long command_calls(common::RedisConnection& ops, const std::string& command) {
  const auto info = ops.command({"INFO", "commandstats"}).str;
  const auto key = "cmdstat_" + command + ":calls=";
  const auto at = info.find(key);
  return at == std::string::npos ? 0 : std::stoll(info.substr(at + key.size()));
}

}  // namespace piket::test
