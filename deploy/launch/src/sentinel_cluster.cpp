#include "piket/launch/sentinel_cluster.hpp"

#include <stdexcept>
#include <thread>

#include "piket/common/redis.hpp"
#include "piket/launch/ports.hpp"

namespace piket::launch {
namespace {
std::size_t idx(int i) {
  return static_cast<std::size_t>(i);
}
}  // namespace

SentinelCluster::SentinelCluster(SentinelClusterConfig config) : config_(std::move(config)) {
  if (!config_.dir.is_absolute())
    throw std::invalid_argument("SentinelCluster: dir must be absolute: " + config_.dir.string());
  if (config_.users.empty() || config_.users.front().name != "ops")
    throw std::invalid_argument("SentinelCluster: the first user must be ops");
  if (config_.node_ports.size() != idx(kNodes) || config_.sentinel_ports.size() != idx(kSentinels))
    throw std::invalid_argument("SentinelCluster: three node ports and three sentinel ports");
  for (auto* ports : {&config_.node_ports, &config_.sentinel_ports})
    for (auto& p : *ports)
      if (p == 0) p = free_tcp_port();
  for (int i = 0; i < kNodes; ++i)
    nodes_.push_back(std::make_unique<RedisServer>(server_config(i, 0)));
  std::vector<RedisAclUser> sentinel_users;
  for (const auto& u : config_.users)
    if (u.name != "replication" && u.name != "sentinel")  // Redis's own: not on a sentinel
      sentinel_users.push_back(
          {u.name, u.password, u.name == "ops" ? u.rules : kSentinelServiceRules});
  for (int i = 0; i < kSentinels; ++i) {
    RedisSentinelConfig s;
    s.port = config_.sentinel_ports[idx(i)];
    s.data_dir = config_.dir / ("sentinel" + std::to_string(i));
    s.master_name = config_.master_name;
    s.primary_port = config_.node_ports[0];
    s.quorum = 2;
    s.down_after = config_.down_after;
    s.failover_timeout = config_.failover_timeout;
    s.auth_user = "sentinel";
    s.auth_password = password_of("sentinel");
    s.peer_user = "ops";
    s.peer_password = config_.users.front().password;
    s.users = sentinel_users;
    sentinels_.push_back(std::make_unique<RedisSentinel>(std::move(s)));
  }
}

SentinelCluster::~SentinelCluster() {
  try {
    stop();
  } catch (...) {
    // Process's destructor still SIGKILLs as a last resort.
  }
}

void SentinelCluster::start(std::chrono::milliseconds timeout) {
  for (auto& n : nodes_) n->start();
  for (auto& s : sentinels_) s->start();
  wait_until_settled(timeout);
}

void SentinelCluster::stop() {
  for (auto& s : sentinels_) s->stop();
  for (auto& n : nodes_) n->stop();
}

void SentinelCluster::kill9_node(int i) {
  node(i).kill9();
}
void SentinelCluster::stop_node(int i) {
  node(i).stop();
}
void SentinelCluster::start_node(int i, std::optional<int> primary) {
  auto& n = nodes_.at(idx(i));
  if (n->running()) return;
  int p = i;
  if (primary) {
    p = *primary;
  } else {
    // As production's piket-redis-start decides (node_start_role.hpp): never as the primary
    // while the sentinels may be failing over away from this node.
    const auto role = node_start_role(start_options(i));
    if (role.kind == StartRole::Kind::as_configured) {
      n->start();  // the redis.conf it had
      return;
    }
    if (role.kind == StartRole::Kind::replica) p = index_of_port(role.primary.port);
  }
  // A new redis.conf: a replica of the primary now (its old `replicaof` may name a dead node).
  n = std::make_unique<RedisServer>(server_config(i, p));
  n->start();
}

NodeStartOptions SentinelCluster::start_options(int i) const {
  NodeStartOptions o;
  o.self = {"127.0.0.1", node_port(i)};
  for (int s = 0; s < kSentinels; ++s) o.sentinels.push_back({"127.0.0.1", sentinel_port(s)});
  o.master_name = config_.master_name;
  o.user = "ops";
  o.password = password_of("ops");
  o.quorum = 2;
  // A failover takes down-after, then an election and the promotion (failover-timeout at most,
  // twice if the first attempt fails).
  o.wait_limit = 2 * (config_.down_after + config_.failover_timeout) + std::chrono::seconds{10};
  return o;
}

int SentinelCluster::index_of_port(std::uint16_t port) const {
  for (int i = 0; i < kNodes; ++i)
    if (node_port(i) == port) return i;
  throw std::runtime_error("SentinelCluster: the sentinels name port " + std::to_string(port) +
                           ", none of the nodes");
}
bool SentinelCluster::node_running(int i) {
  return node(i).running();
}
void SentinelCluster::kill9_sentinel(int i) {
  sentinel(i).kill9();
}
void SentinelCluster::start_sentinel(int i) {
  sentinel(i).start();
}
bool SentinelCluster::sentinel_running(int i) {
  return sentinel(i).running();
}

std::uint16_t SentinelCluster::node_port(int i) const {
  return config_.node_ports.at(idx(i));
}
std::uint16_t SentinelCluster::sentinel_port(int i) const {
  return config_.sentinel_ports.at(idx(i));
}
RedisServer& SentinelCluster::node(int i) {
  return *nodes_.at(idx(i));
}
RedisSentinel& SentinelCluster::sentinel(int i) {
  return *sentinels_.at(idx(i));
}

const std::string& SentinelCluster::password_of(std::string_view user) const {
  for (const auto& u : config_.users)
    if (u.name == user) return u.password;
  throw std::invalid_argument("SentinelCluster: no user " + std::string(user));
}

common::RedisConfig SentinelCluster::node_config(int i) const {
  common::RedisConfig c{{"127.0.0.1", node_port(i)}, common::Millis{2000}};
  c.user = "ops";
  c.password = password_of("ops");
  return c;
}

common::RedisConfig SentinelCluster::sentinel_config(std::string_view user) const {
  common::RedisConfig c;
  c.address = {"127.0.0.1", node_port(0)};
  c.timeout = common::Millis{2000};
  c.user = std::string(user);
  c.password = password_of(user);
  c.master_name = config_.master_name;
  for (int i = 0; i < kSentinels; ++i) c.sentinels.push_back({"127.0.0.1", sentinel_port(i)});
  return c;
}

common::RedisConfig SentinelCluster::sentinel_ops(std::uint16_t port) const {
  common::RedisConfig c{{"127.0.0.1", port}, common::Millis{1000}};
  c.user = "ops";
  c.password = password_of("ops");
  return c;
}

bool SentinelCluster::sentinels_agree(int primary) {
  for (int s = 0; s < kSentinels; ++s) {
    if (!sentinel(s).running()) continue;
    common::RedisConnection c(sentinel_ops(sentinel_port(s)));
    const auto r = c.command({"SENTINEL", "get-master-addr-by-name", config_.master_name});
    if (r.elements.size() != 2 || std::stoi(r.elements[1].str) != node_port(primary)) return false;
  }
  return true;
}

int SentinelCluster::running_sentinels() {
  int n = 0;
  for (auto& s : sentinels_) n += s->running() ? 1 : 0;
  return n;
}

int SentinelCluster::primary_index() const {
  for (int s = 0; s < kSentinels; ++s) {
    try {
      common::RedisConnection c(sentinel_ops(sentinel_port(s)));
      const auto r = c.command({"SENTINEL", "get-master-addr-by-name", config_.master_name});
      if (r.elements.size() != 2) continue;
      const auto port = std::stoi(r.elements[1].str);
      for (int i = 0; i < kNodes; ++i)
        if (node_port(i) == port) return i;
    } catch (const common::RedisError&) {
    }
  }
  throw std::runtime_error("SentinelCluster: no sentinel names a primary");
}

int SentinelCluster::wait_for_failover(int old_primary, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      const int p = primary_index();
      if (p != old_primary && role_of(p) == "master" && sentinels_agree(p)) return p;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("SentinelCluster: no failover within " +
                           std::to_string(timeout.count()) + " ms");
}

void SentinelCluster::wait_until_settled(std::chrono::milliseconds timeout, int replicas) {
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
      const int others_wanted = running_sentinels() - 1;
      for (auto& s : sentinels_) {
        if (!ok) break;
        if (!s->running()) continue;
        common::RedisConnection c(sentinel_ops(s->port()));
        const auto m = c.command({"SENTINEL", "master", config_.master_name});
        int slaves = -1, others = -1;
        for (std::size_t k = 0; k + 1 < m.elements.size(); k += 2) {
          if (m.elements[k].str == "num-slaves") slaves = std::stoi(m.elements[k + 1].str);
          if (m.elements[k].str == "num-other-sentinels") others = std::stoi(m.elements[k + 1].str);
        }
        ok = slaves >= replicas && others >= others_wanted;
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
  throw std::runtime_error("SentinelCluster: not settled within " +
                           std::to_string(timeout.count()) + " ms: " + last + "; " +
                           describe_nodes());
}

void SentinelCluster::wait_for_replicas(int primary, int replicas,
                                        std::chrono::milliseconds timeout) {
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
  throw std::runtime_error("SentinelCluster: node " + std::to_string(primary) + " does not have " +
                           std::to_string(replicas) + " replicas within " +
                           std::to_string(timeout.count()) + " ms; " + describe_nodes());
}

std::string SentinelCluster::describe_nodes() const {
  std::string out;
  for (int i = 0; i < kNodes; ++i) {
    out += (i ? ", node " : "node ") + std::to_string(i) + ": ";
    try {
      common::RedisConnection c(node_config(i));
      const auto role = c.command({"ROLE"});
      if (role.elements.empty()) continue;
      out += role.elements[0].str;
      if (role.elements[0].str == "slave" && role.elements.size() >= 4)
        out += " of port " + std::to_string(role.elements[2].integer) + " (" +
               role.elements[3].str + ")";
      else if (role.elements.size() == 3)
        out += " with " + std::to_string(role.elements[2].elements.size()) + " replicas";
    } catch (const std::exception& e) {
      out += e.what();
    }
  }
  return out;
}

std::string SentinelCluster::role_of(int i) const {
  try {
    common::RedisConnection c(node_config(i));
    return c.command({"ROLE"}).elements.at(0).str;
  } catch (const std::exception&) {
    return "";
  }
}

RedisServerConfig SentinelCluster::server_config(int i, int primary) const {
  RedisServerConfig c{node_port(i), config_.dir / ("node" + std::to_string(i))};
  c.users = config_.users;
  c.maxmemory_bytes = config_.maxmemory_bytes;
  if (primary != i)
    c.extra_conf.push_back("replicaof 127.0.0.1 " + std::to_string(node_port(primary)));
  for (auto& line : replicated_node_conf(password_of("replication"), config_.min_replicas_to_write))
    c.extra_conf.push_back(std::move(line));
  return c;
}

}  // namespace piket::launch
