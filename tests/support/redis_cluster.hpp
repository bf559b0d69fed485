#pragma once
// Test support: piket's Redis with Sentinel as real processes — a primary, two replicas and
// three sentinels on free ports in a TempDir (label `cluster`; docs/availability.md). The
// processes are launch::SentinelCluster's (deploy/launch, the same code as the launcher's
// cluster mode): each node runs as PrivateRedis does (the deployment's ACL users, the default
// user unusable, AOF with fsync always); the replicas replicate as `ops`; the sentinels know
// the same users (a service's user may only ask where the primary is:
// launch::kSentinelServiceRules) and talk to the nodes and to each other as `ops`. Failure
// detection is fast (down-after 500 ms) so that a failover takes a second or two. Link
// piket_launch and piket_common.
//
// - config_as("ingest") is a RedisConfig that finds the primary through the three sentinels,
//   as a service configured with [redis] sentinels does; node_config(i) connects to node i
//   directly (as ops), for inspection.
// - kill9_node(i), stop_node(i), start_node(i): crash, stop or bring back a node (a node
//   brought back replicates from the primary the sentinels name then).

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "piket/common/config.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_acl.hpp"
#include "piket/common/secrets.hpp"
#include "piket/launch/sentinel_cluster.hpp"
#include "temp_dir.hpp"

namespace piket::test {

class RedisCluster {
 public:
  static constexpr int kNodes = launch::SentinelCluster::kNodes;          // node 0: the primary
  static constexpr int kSentinels = launch::SentinelCluster::kSentinels;  // quorum 2
  static constexpr const char* kMasterName = "piket";

  struct Options {
    // The nodes' `min-replicas-to-write` (0: the primary takes writes without replicas).
    int min_replicas_to_write = 0;
    std::chrono::milliseconds down_after{500};
    std::chrono::milliseconds failover_timeout{2000};
  };

  explicit RedisCluster(const std::string& prefix = "piket-cluster") : RedisCluster(prefix, {}) {}
  RedisCluster(const std::string& prefix, Options options) : dir_(prefix) {
    common::ensure_deployment_secrets(secrets_dir());
    launch::SentinelClusterConfig c;
    c.dir = dir_.path();
    for (auto& u : common::deployment_redis_users(secrets_dir()))
      c.users.push_back({u.name, u.password, u.rules});
    c.master_name = kMasterName;
    c.min_replicas_to_write = options.min_replicas_to_write;
    c.down_after = options.down_after;
    c.failover_timeout = options.failover_timeout;
    cluster_ = std::make_unique<launch::SentinelCluster>(std::move(c));
    cluster_->start(std::chrono::seconds(20));
  }
  RedisCluster(const RedisCluster&) = delete;
  RedisCluster& operator=(const RedisCluster&) = delete;

  // Through the sentinels, as `user` (ops or a service).
  common::RedisConfig config_as(std::string_view user,
                                common::Millis timeout = common::Millis{2000}) const {
    auto c = cluster_->sentinel_config(user);
    c.timeout = timeout;
    return c;
  }
  common::RedisConfig config() const { return config_as("ops"); }
  // Node i directly, as ops.
  common::RedisConfig node_config(int i) const { return cluster_->node_config(i); }
  std::uint16_t node_port(int i) const { return cluster_->node_port(i); }
  std::filesystem::path secrets_dir() const { return dir_.path() / "secrets"; }

  launch::RedisServer& node(int i) { return cluster_->node(i); }
  launch::RedisSentinel& sentinel(int i) { return cluster_->sentinel(i); }
  launch::SentinelCluster& processes() { return *cluster_; }

  void kill9_node(int i) { cluster_->kill9_node(i); }
  void stop_node(int i) { cluster_->stop_node(i); }
  // Starts node i again as a replica of the primary that the sentinels name now (or of node
  // `primary` when given).
  void start_node(int i, std::optional<int> primary = std::nullopt) {
    cluster_->start_node(i, primary);
  }
  // The node the sentinels name as the primary (the first sentinel that answers).
  int primary_index() const { return cluster_->primary_index(); }
  int wait_for_failover(int old_primary, std::chrono::milliseconds timeout) {
    return cluster_->wait_for_failover(old_primary, timeout);
  }
  void wait_until_settled(std::chrono::milliseconds timeout, int replicas = kNodes - 1) {
    cluster_->wait_until_settled(timeout, replicas);
  }
  void wait_for_replicas(int primary, int replicas, std::chrono::milliseconds timeout) {
    cluster_->wait_for_replicas(primary, replicas, timeout);
  }
  std::string role_of(int i) const { return cluster_->role_of(i); }
  // True once `replicas` replicas of node `primary` acknowledge a write made now, within
  // `timeout`. ROLE lists a replica as soon as its full sync starts; a new write is
  // acknowledged only once the replica has loaded the sync and the primary streams to it again
  // (after its next REPLCONF ACK, up to a second later).
  bool replicas_acknowledge(int primary, int replicas, std::chrono::milliseconds timeout) const {
    common::RedisConnection r(node_config(primary));
    r.command({"SET", "piket-test:acknowledge-probe", "1"});
    return r.command({"WAIT", std::to_string(replicas), std::to_string(timeout.count())}).integer >=
           replicas;
  }

 private:
  TempDir dir_;  // outlives cluster_ (declared first)
  std::unique_ptr<launch::SentinelCluster> cluster_;
};

}  // namespace piket::test
