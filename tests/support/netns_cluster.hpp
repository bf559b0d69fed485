#pragma once
// Test support: piket's Redis with Sentinel on three "machines" — a network namespace each —
// so that a machine can be cut off from the network (label `partition`; docs/availability.md,
// "Partition test"). Needs root (CAP_NET_ADMIN) and `ip` (iproute2).
//
// The layout (names unique per run: "pkp<pid>…", at most 15 characters):
//   - a bridge pkp<pid>b in the root namespace with 10.A.B.1/24, where the piket services run;
//   - namespace pkp<pid>n<i> for i = 0, 1, 2 with 10.A.B.(10+i)/24 on a veth pair whose other
//     end (pkp<pid>h<i>) hangs on the bridge; in it Redis node i on port 6379 and sentinel i on
//     port 26379 (started with `ip netns exec`);
//   - node 0 starts as the primary, nodes 1 and 2 replicate from it (as `ops`); every node has
//     `min-replicas-to-write` (Options) and `min-replicas-max-lag 10`; the sentinels watch it
//     with quorum 2 and down-after 1 s.
// cut(i) sets the bridge end of machine i's veth down: node i and sentinel i reach nothing and
// nothing reaches them; heal(i) sets it up again. The destructor stops every process and
// deletes the links and namespaces, also after a failure; namespaces and links left by a run
// that was killed (its pid gone) are removed by the next run.
//
// enter(i) moves the calling thread into machine i's namespace (a client on that machine).

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "piket/common/config.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_acl.hpp"
#include "piket/common/secrets.hpp"
#include "piket/launch/process.hpp"
#include "piket/launch/redis_sentinel.hpp"
#include "piket/launch/redis_server.hpp"
#include "temp_dir.hpp"

namespace piket::test {

// Runs a shell command line; its exit code (-1 when it could not run).
inline int netns_sh(const std::string& command) {
  const int rc = std::system((command + " >/dev/null 2>&1").c_str());
  return rc == -1 ? -1 : WEXITSTATUS(rc);
}

// Why network namespaces cannot be used here, or empty when they can: root, `ip`, and a
// namespace that can really be made.
inline std::string netns_unavailable() {
  if (::geteuid() != 0) return "not root (ip netns needs CAP_NET_ADMIN)";
  if (netns_sh("command -v ip") != 0) return "no `ip` (iproute2)";
  const std::string probe = "pkp" + std::to_string(::getpid()) + "x";
  if (netns_sh("ip netns add " + probe) != 0) return "`ip netns add` failed";
  netns_sh("ip netns del " + probe);
  return {};
}

class NetnsCluster {
 public:
  static constexpr int kMachines = 3;
  static constexpr std::uint16_t kRedisPort = 6379;
  static constexpr std::uint16_t kSentinelPort = 26379;
  static constexpr const char* kMasterName = "piket";

  struct Options {
    int min_replicas_to_write = 1;
    std::chrono::milliseconds down_after{1000};
    std::chrono::milliseconds failover_timeout{3000};
    std::uint64_t maxmemory_bytes = 512ULL * 1024 * 1024;
  };

  // `secrets_dir`: the deployment's secrets (made if missing); the nodes and sentinels get its
  // Redis users. Throws std::runtime_error when the layout cannot be made or does not settle.
  NetnsCluster(std::filesystem::path secrets_dir, Options options)
      : dir_("piket-netns"), secrets_dir_(std::move(secrets_dir)), options_(options) {
    remove_leftovers();
    const auto pid = static_cast<unsigned>(::getpid());
    prefix_ = "pkp" + std::to_string(pid);
    subnet_ =
        "10." + std::to_string(200 + (pid / 250) % 50) + "." + std::to_string(pid % 250) + ".";
    common::ensure_deployment_secrets(secrets_dir_);
    for (auto& u : common::deployment_redis_users(secrets_dir_)) {
      node_users_.push_back({u.name, u.password, u.rules});
      if (u.name == "replication")
        replication_password_ = u.password;
      else if (u.name == "sentinel")
        sentinel_password_ = u.password;
      else  // Redis's own users are not on a sentinel
        sentinel_users_.push_back(
            {u.name, u.password, u.name == "ops" ? u.rules : launch::kSentinelServiceRules});
    }
    ops_password_ = node_users_.front().password;
    try {
      make_network();
      for (int i = 0; i < kMachines; ++i) start_node(i);
      for (int i = 0; i < kMachines; ++i) start_sentinel(i);
      wait_until_settled(std::chrono::seconds(30));
    } catch (...) {
      teardown();
      throw;
    }
  }
  ~NetnsCluster() { teardown(); }
  NetnsCluster(const NetnsCluster&) = delete;
  NetnsCluster& operator=(const NetnsCluster&) = delete;

  std::string ip(int i) const { return subnet_ + std::to_string(10 + i); }
  std::string netns(int i) const { return prefix_ + "n" + std::to_string(i); }
  // "10.A.B.10:26379", … for [redis] sentinels.
  std::vector<std::string> sentinel_addresses() const {
    std::vector<std::string> out;
    for (int i = 0; i < kMachines; ++i) out.push_back(ip(i) + ":" + std::to_string(kSentinelPort));
    return out;
  }
  // Through the sentinels, as `user`.
  common::RedisConfig config_as(std::string_view user,
                                common::Millis timeout = common::Millis{2000}) const {
    common::RedisConfig c;
    c.timeout = timeout;
    c.user = std::string(user);
    c.password = common::SecretStore(secrets_dir_).read(common::secret_file::redis_password(user));
    c.master_name = kMasterName;
    for (int i = 0; i < kMachines; ++i) c.sentinels.push_back({ip(i), kSentinelPort});
    return c;
  }
  // Node i directly, as ops.
  common::RedisConfig node_config(int i, common::Millis timeout = common::Millis{1000}) const {
    common::RedisConfig c{{ip(i), kRedisPort}, timeout};
    c.user = "ops";
    c.password = ops_password_;
    return c;
  }

  // Machine i off the network, and back.
  void cut(int i) { must("ip link set " + host_end(i) + " down"); }
  void heal(int i) { must("ip link set " + host_end(i) + " up"); }

  // The calling thread joins machine i's network namespace (for good).
  void enter(int i) const {
    const auto path = "/var/run/netns/" + netns(i);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("NetnsCluster: cannot open " + path);
    const int rc = ::setns(fd, CLONE_NEWNET);
    ::close(fd);
    if (rc != 0) throw std::runtime_error("NetnsCluster: setns into " + netns(i) + " failed");
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
  // The node that sentinel `s` names as the primary; nullopt when it does not answer.
  std::optional<int> primary_named_by(int s) const {
    try {
      common::RedisConnection c(sentinel_ops(s));
      const auto r = c.command({"SENTINEL", "get-master-addr-by-name", kMasterName});
      if (r.elements.size() != 2) return std::nullopt;
      for (int i = 0; i < kMachines; ++i)
        if (r.elements[0].str == ip(i)) return i;
    } catch (const std::exception&) {
    }
    return std::nullopt;
  }
  // Until a node other than `old_primary` is a primary named by a running sentinel; its index.
  int wait_for_failover(int old_primary, std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      for (int s = 0; s < kMachines; ++s)
        if (const auto p = primary_named_by(s); p && *p != old_primary && role_of(*p) == "master")
          return *p;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("NetnsCluster: no failover within " + std::to_string(timeout.count()) +
                             " ms");
  }
  // Until every sentinel names the same primary, it has `replicas` replicas online, and every
  // sentinel knows them and the other sentinels. Throws after `timeout` saying what is missing.
  int wait_until_settled(std::chrono::milliseconds timeout, int replicas = kMachines - 1) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string last;
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        const auto p = primary_named_by(0);
        bool ok = p.has_value();
        for (int s = 1; ok && s < kMachines; ++s) ok = primary_named_by(s) == p;
        if (ok) {
          common::RedisConnection primary(node_config(*p));
          const auto role = primary.command({"ROLE"});
          const auto connected =
              role.elements.size() == 3 ? static_cast<int>(role.elements[2].elements.size()) : 0;
          ok = role.elements.at(0).str == "master" && connected >= replicas;
          last =
              "primary " + std::to_string(*p) + " has " + std::to_string(connected) + " replicas";
        } else {
          last = "the sentinels do not agree on the primary";
        }
        for (int s = 0; ok && s < kMachines; ++s) {
          common::RedisConnection c(sentinel_ops(s));
          const auto m = c.command({"SENTINEL", "master", kMasterName});
          int slaves = -1, others = -1;
          for (std::size_t k = 0; k + 1 < m.elements.size(); k += 2) {
            if (m.elements[k].str == "num-slaves") slaves = std::stoi(m.elements[k + 1].str);
            if (m.elements[k].str == "num-other-sentinels")
              others = std::stoi(m.elements[k + 1].str);
          }
          ok = slaves >= replicas && others >= kMachines - 1;
          if (!ok)
            last = "sentinel " + std::to_string(s) + " knows " + std::to_string(slaves) +
                   " replicas and " + std::to_string(others) + " other sentinels";
        }
        if (ok) return *p;
      } catch (const std::exception& e) {
        last = e.what();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("NetnsCluster: not settled within " + std::to_string(timeout.count()) +
                             " ms: " + last);
  }

  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  std::string host_end(int i) const { return prefix_ + "h" + std::to_string(i); }
  std::string bridge() const { return prefix_ + "b"; }
  std::string in(int i) const { return "ip netns exec " + netns(i) + " "; }
  static void must(const std::string& command) {
    if (netns_sh(command) != 0) throw std::runtime_error("NetnsCluster: failed: " + command);
  }

  // Namespaces and links of runs whose process is gone (killed by a timeout).
  static void remove_leftovers() {
    const auto list = [](const std::string& command) {
      std::string out;
      if (FILE* p = ::popen(command.c_str(), "r")) {
        char buf[4096];
        for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
        ::pclose(p);
      }
      return out;
    };
    const std::regex name{R"(\bpkp([0-9]+)([nhbx][0-9]?)\b)"};
    const auto text = list("ip netns list 2>/dev/null; ip -o link show 2>/dev/null");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), name);
         it != std::sregex_iterator(); ++it) {
      const auto owner = std::stoi((*it)[1].str());
      if (owner == ::getpid() || ::kill(owner, 0) == 0) continue;
      const auto n = it->str();
      if ((*it)[2].str()[0] == 'n' || (*it)[2].str()[0] == 'x')
        netns_sh("ip netns del " + n);
      else
        netns_sh("ip link del " + n);
    }
  }

  void make_network() {
    must("ip link add " + bridge() + " type bridge");
    made_bridge_ = true;
    must("ip addr add " + subnet_ + "1/24 dev " + bridge());
    must("ip link set " + bridge() + " up");
    for (int i = 0; i < kMachines; ++i) {
      must("ip netns add " + netns(i));
      made_netns_ = i + 1;
      const auto inner = prefix_ + "p" + std::to_string(i);
      must("ip link add " + host_end(i) + " type veth peer name " + inner);
      must("ip link set " + inner + " netns " + netns(i));
      must("ip link set " + host_end(i) + " master " + bridge() + " up");
      must(in(i) + "ip addr add " + ip(i) + "/24 dev " + inner);
      must(in(i) + "ip link set " + inner + " up");
      must(in(i) + "ip link set lo up");
    }
  }

  void start_node(int i) {
    launch::RedisServerConfig c{kRedisPort, dir_.path() / ("node" + std::to_string(i))};
    std::filesystem::create_directories(c.data_dir);
    std::filesystem::permissions(c.data_dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace);
    c.users = node_users_;
    c.maxmemory_bytes = options_.maxmemory_bytes;
    if (i != 0) c.extra_conf.push_back("replicaof " + ip(0) + " " + std::to_string(kRedisPort));
    for (auto& line :
         launch::replicated_node_conf(replication_password_, options_.min_replicas_to_write))
      c.extra_conf.push_back(std::move(line));
    auto conf = launch::render_redis_conf(c);
    replace(conf, "bind 127.0.0.1\n", "bind " + ip(i) + "\n");
    write(c.data_dir / "redis.conf", conf);
    write(c.data_dir / "users.acl", launch::render_redis_acl(node_users_));
    launch::ProcessOptions o;
    o.umask = 077;
    nodes_.push_back(
        launch::Process::start({"ip", "netns", "exec", netns(i), launch::kRedisServerBinary,
                                (c.data_dir / "redis.conf").string()},
                               c.data_dir / "redis.log", o));
    wait_ping(node_config(i, common::Millis{500}), "node " + std::to_string(i));
  }

  void start_sentinel(int i) {
    launch::RedisSentinelConfig s;
    s.port = kSentinelPort;
    s.data_dir = dir_.path() / ("sentinel" + std::to_string(i));
    std::filesystem::create_directories(s.data_dir);
    s.master_name = kMasterName;
    s.primary_port = kRedisPort;
    s.quorum = 2;
    s.down_after = options_.down_after;
    s.failover_timeout = options_.failover_timeout;
    s.auth_user = "sentinel";
    s.auth_password = sentinel_password_;
    s.peer_user = "ops";
    s.peer_password = ops_password_;
    s.users = sentinel_users_;
    auto conf = launch::render_sentinel_conf(s);
    replace(conf, "bind 127.0.0.1\n", "bind " + ip(i) + "\n");
    replace(conf, "sentinel monitor piket 127.0.0.1 ", "sentinel monitor piket " + ip(0) + " ");
    write(s.data_dir / "sentinel.conf", conf);
    sentinels_.push_back(
        launch::Process::start({"ip", "netns", "exec", netns(i), launch::kRedisServerBinary,
                                (s.data_dir / "sentinel.conf").string(), "--sentinel"},
                               s.data_dir / "sentinel.log"));
    wait_ping(sentinel_ops(i), "sentinel " + std::to_string(i));
  }

  common::RedisConfig sentinel_ops(int i) const {
    common::RedisConfig c{{ip(i), kSentinelPort}, common::Millis{500}};
    c.user = "ops";
    c.password = ops_password_;
    return c;
  }

  static void wait_ping(const common::RedisConfig& c, const std::string& what) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        common::RedisConnection conn(c);
        if (conn.command({"PING"}).str == "PONG") return;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("NetnsCluster: " + what + " does not answer PING");
  }

  static void replace(std::string& s, const std::string& from, const std::string& to) {
    const auto at = s.find(from);
    if (at == std::string::npos) throw std::runtime_error("NetnsCluster: no '" + from + "'");
    s.replace(at, from.size(), to);
  }
  static void write(const std::filesystem::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("NetnsCluster: cannot write " + p.string());
    std::filesystem::permissions(
        p, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
        std::filesystem::perm_options::replace);
  }

  void teardown() {
    for (auto& s : sentinels_)
      if (s.valid()) s.terminate_and_wait(std::chrono::seconds(5));
    for (auto& n : nodes_)
      if (n.valid()) n.terminate_and_wait(std::chrono::seconds(10));
    sentinels_.clear();
    nodes_.clear();
    for (int i = 0; i < made_netns_; ++i) {
      netns_sh("ip link del " + host_end(i));
      netns_sh("ip netns del " + netns(i));
    }
    made_netns_ = 0;
    if (made_bridge_) netns_sh("ip link del " + bridge());
    made_bridge_ = false;
  }

  TempDir dir_;
  std::filesystem::path secrets_dir_;
  Options options_;
  std::string prefix_, subnet_;
  std::vector<launch::RedisAclUser> node_users_, sentinel_users_;
  std::string ops_password_;
  std::string replication_password_, sentinel_password_;
  std::vector<launch::Process> nodes_, sentinels_;
  int made_netns_ = 0;
  bool made_bridge_ = false;
};

}  // namespace piket::test
