#pragma once
// Test support: piket's Redis with Sentinel as real processes — a primary, two replicas and
// three sentinels on free ports in a TempDir (label `cluster`; docs/availability.md). Each node
// runs as PrivateRedis does (the deployment's ACL users, the default user unusable, AOF with
// fsync always); the replicas replicate as `ops`; the sentinels know the same users (a service's
// user may only ask where the primary is: launch::kSentinelServiceRules) and talk to the nodes
// and to each other as `ops`. Failure detection is fast (down-after 500 ms) so that a failover
// takes a second or two. Link piket_launch and piket_common.
//
// - config_as("ingest") is a RedisConfig that finds the primary through the three sentinels,
//   as a service configured with [redis] sentinels does; node_config(i) connects to node i
//   directly (as ops), for inspection.
// - kill9_node(i), stop_node(i), start_node(i): crash, stop or bring back a node (a node
//   brought back replicates from the primary the sentinels name then).

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "piket/common/config.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_acl.hpp"
#include "piket/common/secrets.hpp"
#include "piket/launch/ports.hpp"
#include "piket/launch/redis_sentinel.hpp"
#include "piket/launch/redis_server.hpp"
#include "temp_dir.hpp"

namespace piket::test {

class RedisCluster {
 public:
  static constexpr int kNodes = 3;      // node 0 starts as the primary
  static constexpr int kSentinels = 3;  // quorum 2
  static constexpr const char* kMasterName = "piket";

  struct Options {
    // The nodes' `min-replicas-to-write` (0: the primary takes writes without replicas).
    int min_replicas_to_write = 0;
    std::chrono::milliseconds down_after{500};
    std::chrono::milliseconds failover_timeout{2000};
  };

  explicit RedisCluster(const std::string& prefix = "piket-cluster") : RedisCluster(prefix, {}) {}
  RedisCluster(const std::string& prefix, Options options) : dir_(prefix), options_(options) {
    common::ensure_deployment_secrets(secrets_dir());
    for (auto& u : common::deployment_redis_users(secrets_dir())) {
      node_users_.push_back({u.name, u.password, u.rules});
      sentinel_users_.push_back(
          {u.name, u.password, u.name == "ops" ? u.rules : launch::kSentinelServiceRules});
    }
    ops_password_ = node_users_.front().password;
    for (int i = 0; i < kNodes; ++i) ports_.push_back(launch::free_tcp_port());
    for (int i = 0; i < kNodes; ++i) {
      nodes_.push_back(std::make_unique<launch::RedisServer>(server_config(i, 0)));
      nodes_.back()->start();
    }
    for (int i = 0; i < kSentinels; ++i) {
      launch::RedisSentinelConfig s;
      s.data_dir = dir_.path() / ("sentinel" + std::to_string(i));
      s.master_name = kMasterName;
      s.primary_port = ports_[0];
      s.quorum = 2;
      s.down_after = options_.down_after;
      s.failover_timeout = options_.failover_timeout;
      s.auth_user = "ops";
      s.auth_password = ops_password_;
      s.users = sentinel_users_;
      sentinels_.push_back(std::make_unique<launch::RedisSentinel>(std::move(s)));
      sentinels_.back()->start();
    }
    wait_until_settled(std::chrono::seconds(20));
  }
  ~RedisCluster() {
    for (auto& s : sentinels_) s->stop();
    for (auto& n : nodes_) n->stop();
  }
  RedisCluster(const RedisCluster&) = delete;
  RedisCluster& operator=(const RedisCluster&) = delete;

  // Through the sentinels, as `user` (ops or a service).
  common::RedisConfig config_as(std::string_view user,
                                common::Millis timeout = common::Millis{2000}) const {
    common::RedisConfig c;
    c.timeout = timeout;
    c.user = std::string(user);
    c.password = common::SecretStore(secrets_dir()).read(common::secret_file::redis_password(user));
    c.master_name = kMasterName;
    for (const auto& s : sentinels_) c.sentinels.push_back({"127.0.0.1", s->port()});
    return c;
  }
  common::RedisConfig config() const { return config_as("ops"); }
  // Node i directly, as ops.
  common::RedisConfig node_config(int i) const {
    common::RedisConfig c{{"127.0.0.1", ports_.at(static_cast<std::size_t>(i))},
                          common::Millis{2000}};
    c.user = "ops";
    c.password = ops_password_;
    return c;
  }
  std::uint16_t node_port(int i) const { return ports_.at(static_cast<std::size_t>(i)); }
  std::filesystem::path secrets_dir() const { return dir_.path() / "secrets"; }

  launch::RedisServer& node(int i) { return *nodes_.at(static_cast<std::size_t>(i)); }
  launch::RedisSentinel& sentinel(int i) { return *sentinels_.at(static_cast<std::size_t>(i)); }

  void kill9_node(int i) { node(i).kill9(); }
  void stop_node(int i) { node(i).stop(); }
  // Starts node i again as a replica of the primary that the sentinels name now (or of node
  // `primary` when given).
  void start_node(int i, std::optional<int> primary = std::nullopt) {
    const int p = primary ? *primary : primary_index();
    auto& n = nodes_.at(static_cast<std::size_t>(i));
    if (n->running()) return;
    n = std::make_unique<launch::RedisServer>(server_config(i, p));
    n->start();
  }

  // The node the sentinels name as the primary (the first sentinel that answers).
  int primary_index() const {
    for (const auto& s : sentinels_) {
      try {
        common::RedisConnection c(sentinel_ops(s->port()));
        const auto r = c.command({"SENTINEL", "get-master-addr-by-name", kMasterName});
        if (r.elements.size() != 2) continue;
        const auto port = std::stoi(r.elements[1].str);
        for (int i = 0; i < kNodes; ++i)
          if (ports_[static_cast<std::size_t>(i)] == port) return i;
      } catch (const common::RedisError&) {
      }
    }
    throw std::runtime_error("RedisCluster: no sentinel names a primary");
  }

  // Until a node other than `old_primary` is a primary (ROLE) and every running sentinel
  // names it; returns its index. Throws after `timeout`.
  int wait_for_failover(int old_primary, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        const int p = primary_index();
        if (p != old_primary && role_of(p) == "master") return p;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("RedisCluster: no failover within " + std::to_string(timeout.count()) +
                             " ms");
  }

  // Until the primary has `replicas` replicas online and every sentinel knows them and the
  // other sentinels (Sentinel announces itself every 2 s; a failover needs the quorum to know
  // each other). Throws after `timeout`.
  void wait_until_settled(std::chrono::milliseconds timeout, int replicas = kNodes - 1) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string last;
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        const int p = primary_index();
        common::RedisConnection primary(node_config(p));
        const auto role = primary.command({"ROLE"});
        bool ok = role.elements.size() == 3 && role.elements[0].str == "master" &&
                  static_cast<int>(role.elements[2].elements.size()) >= replicas;
        last = "primary " + std::to_string(p) + " has " +
               std::to_string(role.elements.size() == 3 ? role.elements[2].elements.size() : 0) +
               " replicas";
        for (const auto& s : sentinels_) {
          if (!ok) break;
          if (!s->running()) continue;
          common::RedisConnection c(sentinel_ops(s->port()));
          const auto m = c.command({"SENTINEL", "master", kMasterName});
          int slaves = -1, others = -1;
          for (std::size_t k = 0; k + 1 < m.elements.size(); k += 2) {
            if (m.elements[k].str == "num-slaves") slaves = std::stoi(m.elements[k + 1].str);
            if (m.elements[k].str == "num-other-sentinels")
              others = std::stoi(m.elements[k + 1].str);
          }
          ok = slaves >= replicas && others >= running_sentinels() - 1;
          if (!ok)
            last = "sentinel " + std::to_string(s->port()) + " knows " + std::to_string(slaves) +
                   " replicas and " + std::to_string(others) + " other sentinels";
        }
        if (ok) return;
      } catch (const std::exception& e) {
        last = e.what();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("RedisCluster: not settled within " + std::to_string(timeout.count()) +
                             " ms: " + last);
  }

  // Until node `primary` has exactly `replicas` replicas connected (ROLE). Throws after `timeout`.
  void wait_for_replicas(int primary, int replicas, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        common::RedisConnection c(node_config(primary));
        const auto role = c.command({"ROLE"});
        if (role.elements.size() == 3 &&
            static_cast<int>(role.elements[2].elements.size()) == replicas)
          return;
      } catch (const common::RedisError&) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("RedisCluster: node " + std::to_string(primary) + " does not have " +
                             std::to_string(replicas) + " replicas");
  }

  // ROLE's first element of node i ("master", "slave"), "" when it does not answer.
  std::string role_of(int i) const {
    try {
      common::RedisConnection c(node_config(i));
      return c.command({"ROLE"}).elements.at(0).str;
    } catch (const std::exception&) {
      return "";
    }
  }

 private:
  // Node i's redis.conf: a replica of node `primary`, or a primary when primary == i.
  launch::RedisServerConfig server_config(int i, int primary) const {
    launch::RedisServerConfig c{ports_.at(static_cast<std::size_t>(i)),
                                dir_.path() / ("node" + std::to_string(i))};
    c.users = node_users_;
    c.maxmemory_bytes = 256ULL * 1024 * 1024;
    if (primary != i)
      c.extra_conf.push_back("replicaof 127.0.0.1 " +
                             std::to_string(ports_.at(static_cast<std::size_t>(primary))));
    c.extra_conf.push_back("masteruser ops");
    c.extra_conf.push_back("masterauth " + ops_password_);
    // A replica starts syncing at once (the default waits 5 s for more replicas).
    c.extra_conf.push_back("repl-diskless-sync-delay 0");
    c.extra_conf.push_back("min-replicas-to-write " +
                           std::to_string(options_.min_replicas_to_write));
    c.extra_conf.push_back("min-replicas-max-lag 10");
    return c;
  }
  common::RedisConfig sentinel_ops(std::uint16_t port) const {
    common::RedisConfig c{{"127.0.0.1", port}, common::Millis{1000}};
    c.user = "ops";
    c.password = ops_password_;
    return c;
  }
  int running_sentinels() {
    int n = 0;
    for (auto& s : sentinels_) n += s->running() ? 1 : 0;
    return n;
  }

  TempDir dir_;
  Options options_;
  std::vector<launch::RedisAclUser> node_users_;
  std::vector<launch::RedisAclUser> sentinel_users_;
  std::string ops_password_;
  std::vector<std::uint16_t> ports_;
  std::vector<std::unique_ptr<launch::RedisServer>> nodes_;
  std::vector<std::unique_ptr<launch::RedisSentinel>> sentinels_;
};

}  // namespace piket::test
