#pragma once
// piket's Redis with Sentinel on this one machine, as real processes: a primary, two replicas
// and three sentinels (quorum 2), each on its own port on 127.0.0.1 with its own directory
// (docs/availability.md, "The local cluster"). One implementation for the launcher's cluster
// mode (piket-stack --cluster, deploy/cluster) and the tests (tests/support/redis_cluster.hpp,
// the failover test).
//
// - Every node runs as launch::RedisServer does (the deployment's ACL users, the default user
//   unusable, AOF with fsync always, maxmemory with noeviction) plus min-replicas-to-write and
//   min-replicas-max-lag 10 on every node (a replica may become the primary); the replicas
//   replicate as `replication` (masteruser/masterauth; it may only replicate).
// - The sentinels know the same users but Redis's own (a service's user may only ask where
//   the primary is: kSentinelServiceRules), talk to the nodes as `sentinel` and to each
//   other as `ops`.
// - kill9_node(i) / start_node(i), kill9_sentinel(i) / start_sentinel(i): crash and bring back
//   one component; a node brought back replicates from the primary the sentinels name then.
// - primary_index(): who is primary now, as the sentinels say.
// Not thread-safe: use one SentinelCluster from one thread at a time.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "piket/common/config.hpp"
#include "piket/launch/node_start_role.hpp"
#include "piket/launch/redis_sentinel.hpp"
#include "piket/launch/redis_server.hpp"

namespace piket::launch {

struct SentinelClusterConfig {
  static constexpr int kNodes = 3;      // node 0 starts as the primary
  static constexpr int kSentinels = 3;  // quorum 2

  std::filesystem::path dir;  // absolute; node<i>/ and sentinel<i>/ go here
  // The deployment's Redis users (common::deployment_redis_users); the first must be `ops`.
  std::vector<RedisAclUser> users;
  std::vector<std::uint16_t> node_ports{0, 0, 0};      // 0: a free port
  std::vector<std::uint16_t> sentinel_ports{0, 0, 0};  // 0: a free port
  std::string master_name = "piket";
  // The nodes' `min-replicas-to-write` (0: a primary takes writes without replicas).
  int min_replicas_to_write = 0;
  std::chrono::milliseconds down_after{500};
  std::chrono::milliseconds failover_timeout{2000};
  std::uint64_t maxmemory_bytes = 256ULL * 1024 * 1024;
};

class SentinelCluster {
 public:
  static constexpr int kNodes = SentinelClusterConfig::kNodes;
  static constexpr int kSentinels = SentinelClusterConfig::kSentinels;

  // Picks the free ports; starts nothing. Throws std::invalid_argument for a relative dir,
  // users without `ops` first, or not exactly three ports of each kind.
  explicit SentinelCluster(SentinelClusterConfig config);
  ~SentinelCluster();  // stop()
  SentinelCluster(const SentinelCluster&) = delete;
  SentinelCluster& operator=(const SentinelCluster&) = delete;

  // The nodes (node 0 the primary), then the sentinels; waits until settled(). Throws
  // std::runtime_error if something does not come up.
  void start(std::chrono::milliseconds timeout = std::chrono::seconds{20});
  // The sentinels first (no failover while the nodes go), then the nodes.
  void stop();

  void kill9_node(int i);
  void stop_node(int i);
  // Starts node i (if not running) as node_start_role() decides (a replica of the primary the
  // sentinels name; the primary only when they name it and nothing fails over; after waiting
  // out a failover away from it), or as a replica of node `primary` when given (i == primary:
  // as a primary).
  void start_node(int i, std::optional<int> primary = std::nullopt);
  bool node_running(int i);
  void kill9_sentinel(int i);
  // Starts sentinel i again (if not running) on the file it rewrote with what it knew.
  void start_sentinel(int i);
  bool sentinel_running(int i);

  std::uint16_t node_port(int i) const;
  std::uint16_t sentinel_port(int i) const;
  RedisServer& node(int i);
  RedisSentinel& sentinel(int i);
  const SentinelClusterConfig& config() const { return config_; }

  // Node i directly, as ops.
  common::RedisConfig node_config(int i) const;
  // Through the sentinels as ops (the user's password from the users given).
  common::RedisConfig sentinel_config(std::string_view user = "ops") const;

  // The node the sentinels name as the primary (the first running sentinel that answers).
  // Throws std::runtime_error if none names one of the nodes.
  int primary_index() const;
  // Until a node other than `old_primary` is a primary (ROLE) and every running sentinel
  // names it; returns its index. Throws std::runtime_error after `timeout`.
  int wait_for_failover(int old_primary, std::chrono::milliseconds timeout);
  // Until the primary has `replicas` replicas online and every running sentinel knows them and
  // the other running sentinels. Throws std::runtime_error after `timeout`.
  void wait_until_settled(std::chrono::milliseconds timeout, int replicas = kNodes - 1);
  // Until node `primary` has exactly `replicas` replicas connected (ROLE).
  void wait_for_replicas(int primary, int replicas, std::chrono::milliseconds timeout);
  // ROLE's first element of node i ("master", "slave"), "" when it does not answer.
  std::string role_of(int i) const;
  // Each node's ROLE in a few words ("node 1: slave of 23456 (connected)"), for errors.
  std::string describe_nodes() const;
  // What node i asks the sentinels before it starts (node_start_role(); start_node() uses it):
  // its address, every sentinel, the master name, ops's credentials, the quorum and how long
  // to wait out a failover away from it. Also what a test asks a sentinel with
  // (ask_sentinel_view()).
  NodeStartOptions start_options(int i) const;

 private:
  RedisServerConfig server_config(int i, int primary) const;
  int index_of_port(std::uint16_t port) const;
  common::RedisConfig sentinel_ops(std::uint16_t port) const;
  int running_sentinels();
  // Every running sentinel names node `primary` (throws common::RedisError if one does not
  // answer).
  bool sentinels_agree(int primary);
  const std::string& password_of(std::string_view user) const;

  SentinelClusterConfig config_;
  std::vector<std::unique_ptr<RedisServer>> nodes_;
  std::vector<std::unique_ptr<RedisSentinel>> sentinels_;
};

}  // namespace piket::launch
