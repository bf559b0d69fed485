// A Redis node brought back in a Sentinel deployment (label `cluster`): never as the primary
// while the sentinels fail over away from it (launch::node_start_role, the local cluster's
// start_node), and production's piket-redis-start hands redis-server the role the sentinels
// allow. The rule itself: tests/deploy/node_start_role_test.cpp. docs/availability.md.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <future>
#include <string>
#include <thread>

#include "piket/common/redis.hpp"
#include "piket/launch/node_start_role.hpp"
#include "redis_cluster.hpp"
#include "test_pki.hpp"  // run_command

namespace piket::launch {
namespace {

using namespace std::chrono_literals;
using test::RedisCluster;

const std::string kKey = "piket-test:node-start:acknowledged";

struct Resume {
  Process& p;
  ~Resume() { p.signal(SIGCONT); }
};

// Until a sentinel says the master is down or failing over (throws after `timeout`); asked as
// node 0's start would ask them (SentinelCluster::start_options).
void wait_for_failing_over(SentinelCluster& cluster, std::chrono::milliseconds timeout) {
  const auto o = cluster.start_options(0);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& sentinel : o.sentinels) {
      const auto v = ask_sentinel_view(sentinel, o);
      if (v && v->failing_over) return;
    }
    std::this_thread::sleep_for(50ms);
  }
  throw std::runtime_error("no sentinel saw the primary down");
}

// The old primary started again while the sentinels are failing over away from it. Here the
// failover is held up (both replicas stopped: no candidate, the sentinels abort and try again
// every 2 × failover-timeout), so the window is seconds long. Before node_start_role the node
// came back as the primary at once — the sentinels still named it — took writes that a
// replica acknowledged, and lost them when it was demoted.
TEST(NodeStart, APrimaryBackDuringAFailoverAwayFromItWaitsAndComesBackAsAReplica) {
  RedisCluster cluster("piket-node-start", {.min_replicas_to_write = 1});
  {
    common::RedisConnection primary(cluster.node_config(0));
    primary.command({"SET", kKey, "before the crash"});
    ASSERT_EQ(primary.command({"WAIT", "2", "5000"}).integer, 2);
  }
  Resume resume1{cluster.node(1).process()}, resume2{cluster.node(2).process()};
  ASSERT_TRUE(cluster.node(1).process().signal(SIGSTOP));
  ASSERT_TRUE(cluster.node(2).process().signal(SIGSTOP));
  cluster.kill9_node(0);
  wait_for_failing_over(cluster.processes(), 20s);

  // Node 0 is started on a thread of its own that lives to the end of the test: a child gets
  // SIGTERM when the thread that forked it ends (PR_SET_PDEATHSIG, launch/process.hpp). A
  // starter that ended at once killed the node it had just started; the test passed only when
  // the SIGTERM came while the node wrote its first AOF after the sync (a shutdown Redis
  // refuses then), and failed in CI when it came before the sync.
  std::atomic<bool> started{false};
  std::promise<void> test_over;
  std::thread starter([&, over = test_over.get_future()] {
    cluster.start_node(0);
    started = true;
    over.wait();
  });
  struct EndStarter {
    std::promise<void>& over;
    std::thread& starter;
    ~EndStarter() {
      over.set_value();
      starter.join();
    }
  } end_starter{test_over, starter};
  // The sentinels still name node 0 (no replica to promote): it must not be running as one.
  const auto hold = std::chrono::steady_clock::now() + 2s;
  std::string role_seen;
  while (std::chrono::steady_clock::now() < hold && role_seen.empty()) {
    role_seen = cluster.role_of(0);
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_FALSE(started.load());
  EXPECT_EQ(role_seen, "") << "node 0 came back during the failover as a " << role_seen;

  cluster.node(1).process().signal(SIGCONT);
  cluster.node(2).process().signal(SIGCONT);
  const auto start_limit = std::chrono::steady_clock::now() + 120s;
  while (!started && std::chrono::steady_clock::now() < start_limit)
    std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(started.load()) << "node 0 was not started within 120 s";
  // Still running well after its start: nothing it inherited ends it.
  std::this_thread::sleep_for(500ms);
  ASSERT_TRUE(cluster.processes().node_running(0)) << "node 0 ended after its start";
  const int promoted = cluster.wait_for_failover(0, 30s);
  EXPECT_NE(promoted, 0);
  EXPECT_EQ(cluster.role_of(0), "slave");
  common::RedisConnection on_promoted(cluster.node_config(promoted));
  EXPECT_EQ(on_promoted.command({"GET", kKey}).str, "before the crash");
  // Node 0 replicates from the primary (the promoted node, or another one if the sentinels of
  // a loaded machine failed over once more) and has what was acknowledged before the crash.
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  std::string seen;
  for (;;) {
    try {
      common::RedisConnection node0(cluster.node_config(0));
      const auto role = node0.command({"ROLE"});
      seen = cluster.processes().describe_nodes();
      if (role.elements.size() >= 4 && role.elements[0].str == "slave" &&
          role.elements[2].integer == cluster.node_port(cluster.primary_index()) &&
          role.elements[3].str == "connected" &&
          node0.command({"GET", kKey}).str == "before the crash")
        break;
    } catch (const std::exception& e) {
      seen = e.what();
    }
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << "node 0 is not a replica of the primary with the data: " << seen;
    std::this_thread::sleep_for(100ms);
  }
}

// piket-redis-start (production's piket-redis.service) asks the sentinels and becomes the
// command after `--` with the role appended; /bin/echo stands in for redis-server so that the
// test reads the arguments redis-server would get.
TEST(NodeStart, PiketRedisStartGivesRedisServerTheRoleTheSentinelsAllow) {
  RedisCluster cluster("piket-node-start-wrapper");
  cluster.kill9_node(0);
  const int promoted = cluster.wait_for_failover(0, 30s);
  const auto secrets = cluster.secrets_dir();
  auto command = [&](int self, const std::filesystem::path& password_file) {
    std::string c =
        PIKET_REDIS_START " --self 127.0.0.1:" + std::to_string(cluster.node_port(self));
    for (int s = 0; s < SentinelCluster::kSentinels; ++s)
      c += " --sentinel 127.0.0.1:" + std::to_string(cluster.processes().sentinel_port(s));
    c += " --user ops --password-file " + password_file.string() +
         " --wait-ms 20000 -- /bin/echo redis-server redis.conf";
    return c;
  };
  const auto ops_password = secrets / "redis-ops.password";

  auto r = test::run_command(command(0, ops_password));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("redis-server redis.conf --replicaof 127.0.0.1 " +
                          std::to_string(cluster.node_port(promoted)) + "\n"),
            std::string::npos)
      << r.output;

  r = test::run_command(command(promoted, ops_password));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("redis-server redis.conf --replicaof no one\n"), std::string::npos)
      << r.output;

  // A password file others may read is refused, naming it; nothing is started.
  const auto loose = secrets / "loose.password";
  std::filesystem::copy_file(ops_password, loose);
  std::filesystem::permissions(loose, std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  r = test::run_command(command(0, loose));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("loose.password"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("redis-server redis.conf"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace piket::launch
