#pragma once
// A Redis Sentinel (`redis-server sentinel.conf --sentinel`) for tests and local clusters: own
// port on 127.0.0.1, own directory, watching one primary (docs/availability.md).
//
// Authentication (docs/availability.md, "Sentinel and its users"): a sentinel has the same ACL
// users as piket's Redis. `ops` may do anything (Sentinel uses it to talk to the Redis nodes and
// to the other sentinels: `sentinel auth-user`, `sentinel sentinel-user`); a service's user may
// only PING and ask where the primary is (kSentinelServiceRules): it cannot reconfigure or fail
// over anything. The `default` user's password is random and thrown away.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "piket/launch/process.hpp"
#include "piket/launch/redis_server.hpp"

namespace piket::launch {

// What a service's user may do on a sentinel.
inline constexpr const char* kSentinelServiceRules =
    "-@all +ping +sentinel|get-master-addr-by-name";

struct RedisSentinelConfig {
  std::uint16_t port = 0;  // 0: a free port
  std::filesystem::path
      data_dir;  // absolute; holds sentinel.conf (Sentinel rewrites it) and its log
  std::string master_name = "piket";
  std::uint16_t primary_port = 0;  // the primary at start (127.0.0.1)
  int quorum = 2;
  std::chrono::milliseconds down_after{5000};
  std::chrono::milliseconds failover_timeout{60000};
  // How it authenticates to the Redis nodes (the deployment's `sentinel` user).
  std::string auth_user;
  std::string auth_password;
  // How it authenticates to the other sentinels (`ops`; empty: as to the nodes).
  std::string peer_user;
  std::string peer_password;
  // Its own ACL users; the first one is used for the readiness PING (give it +ping).
  std::vector<RedisAclUser> users{};
};

// The sentinel.conf text. Throws std::invalid_argument for port 0 or primary_port 0, a relative
// data_dir, or a name or password that does not fit on one line without spaces.
std::string render_sentinel_conf(const RedisSentinelConfig& config);

class RedisSentinel {
 public:
  static constexpr std::chrono::milliseconds kStartTimeout{10'000};

  explicit RedisSentinel(RedisSentinelConfig config,
                         std::filesystem::path binary = kRedisServerBinary);
  ~RedisSentinel();  // stop()
  RedisSentinel(RedisSentinel&&) noexcept = default;
  RedisSentinel& operator=(RedisSentinel&&) noexcept = default;

  // Writes conf_path() the first time (later starts keep what Sentinel wrote into it: the
  // current primary, the known replicas and sentinels), starts the sentinel and waits until it
  // answers PING. Throws std::runtime_error with the end of its log if it does not.
  void start(std::chrono::milliseconds timeout = kStartTimeout);
  void stop(std::chrono::milliseconds timeout = std::chrono::milliseconds{5000});
  void kill9();
  bool running() { return process_.running(); }
  std::uint16_t port() const { return config_.port; }
  const RedisSentinelConfig& config() const { return config_; }
  std::filesystem::path conf_path() const { return config_.data_dir / "sentinel.conf"; }
  std::filesystem::path log_path() const { return config_.data_dir / "sentinel.log"; }

 private:
  RedisSentinelConfig config_;
  std::filesystem::path binary_;
  Process process_;
};

}  // namespace piket::launch
