#pragma once
// A private redis-server for piket (tests, demos, the launcher): own port on 127.0.0.1, own data
// directory, AOF with fsync on every write so that anything acknowledged survives kill -9.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "piket/launch/process.hpp"

namespace piket::launch {

inline constexpr const char* kRedisServerBinary = "/usr/bin/redis-server";

// A Redis ACL user: its name, password and rules (e.g. "~* &* +@all -@dangerous").
struct RedisAclUser {
  std::string name;
  std::string password;
  std::string rules;
};

struct RedisServerConfig {
  std::uint16_t port = 0;          // 0: RedisServer picks a free port
  std::filesystem::path data_dir;  // absolute; holds redis.conf, redis.log and appendonlydir/
  // ACL users, written to data_dir/users.acl (mode 0600) with the passwords as SHA-256; the
  // `default` user gets a random password nobody keeps, and protected-mode is on. The first
  // user is the one RedisServer itself authenticates as (PING for readiness): give it +ping at
  // least. Empty: no ACL file, the default user is open (the launcher's own tests only).
  std::vector<RedisAclUser> users{};
  // `maxmemory` in bytes (0: no limit). The policy is always `noeviction`: at the limit Redis
  // refuses writes (-OOM) instead of dropping data; piket answers 503 (docs/configuration.md).
  std::uint64_t maxmemory_bytes = 0;
  // More redis.conf lines, after the others (a replica's `replicaof`, `masteruser`,
  // `masterauth`; `min-replicas-to-write`: docs/availability.md). Each one line.
  std::vector<std::string> extra_conf{};
};

// The redis.conf text: port, bind 127.0.0.1, dir, appendonly yes, appendfsync always, save "",
// maxmemory (if set) with maxmemory-policy noeviction, protected-mode (yes with users, with
// aclfile data_dir/users.acl), daemonize no, logfile "" (log to stdout, which RedisServer
// captures).
// Throws std::invalid_argument for port 0, a relative data_dir, or a data_dir containing '"'
// or a newline.
std::string render_redis_conf(const RedisServerConfig& config);

// The redis.conf lines of a node in a replicated set (the local cluster, the partition test):
// the replicas log in as `replication` with `replication_password`; a replica starts syncing at
// once (the default waits 5 s for more replicas); the primary refuses writes unless
// `min_replicas_to_write` replicas are at most 10 s behind; and a replication backlog of 64 MiB
// on every node, so that a replica that fell behind — killed, cut off, or still loading a full
// sync when its primary died — catches up from the new primary's backlog with a partial resync
// instead of a second full one (the default 1 MiB held about 10 s of the failover test's
// writes, and a full sync under that load took 10 s with writes refused, NOREPLICAS:
// docs/availability.md). Add `replicaof` for a replica.
std::vector<std::string> replicated_node_conf(const std::string& replication_password,
                                              int min_replicas_to_write);

// The users.acl text for `users` (passwords as #<sha256>), after a `default` user whose password
// is random and thrown away at once (it keeps +@all: Redis 7.0 replays the AOF as `default`).
std::string render_redis_acl(const std::vector<RedisAclUser>& users);

// Sends PING on a fresh connection (after AUTH when `user` is given); true only for a "+PONG"
// reply (a Redis still loading its AOF answers -LOADING, which is false).
bool redis_ping(std::uint16_t port, std::chrono::milliseconds timeout, const std::string& user = {},
                const std::string& password = {});

class RedisServer {
 public:
  static constexpr std::chrono::milliseconds kStartTimeout{10'000};
  static constexpr std::chrono::milliseconds kStopTimeout{10'000};

  // Creates data_dir if needed; picks a free port if config.port is 0 (port() tells which).
  explicit RedisServer(RedisServerConfig config, std::filesystem::path binary = kRedisServerBinary);
  ~RedisServer();  // stop()
  RedisServer(RedisServer&&) noexcept = default;
  RedisServer& operator=(RedisServer&&) noexcept = default;

  // Writes conf_path(), starts redis-server (output appended to log_path()) and waits until it
  // answers PING with +PONG. The data directory is made mode 0700 and redis-server runs with
  // umask 077, so redis.conf, users.acl, redis.log, the AOF and any RDB file are 0600: no
  // other local user can read them. Throws std::runtime_error (with the end of the log) if it exits
  // or does not answer in time. No-op if already running.
  void start(std::chrono::milliseconds timeout = kStartTimeout);
  // SIGTERM (Redis fsyncs the AOF and exits), SIGKILL after `timeout`. No-op if not running.
  void stop(std::chrono::milliseconds timeout = kStopTimeout);
  // SIGKILL and reap: a crash. Whatever was acknowledged is in the AOF.
  void kill9();
  // stop() if running, then start() on the same port and data dir: the AOF is replayed.
  void restart(std::chrono::milliseconds timeout = kStartTimeout);

  bool running() { return process_.running(); }
  pid_t pid() const { return process_.pid(); }
  std::uint16_t port() const { return config_.port; }
  const RedisServerConfig& config() const { return config_; }
  std::filesystem::path conf_path() const { return config_.data_dir / "redis.conf"; }
  std::filesystem::path log_path() const { return config_.data_dir / "redis.log"; }
  Process& process() { return process_; }

 private:
  RedisServerConfig config_;
  std::filesystem::path binary_;
  Process process_;
};

}  // namespace piket::launch
