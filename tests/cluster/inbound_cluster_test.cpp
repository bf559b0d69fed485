// Durable answers in inbound (label `cluster`): with [redis] min_replicas = 1 a staff member's
// acknowledgement is confirmed (200) only once a replica has it. Both replicas stopped: 503
// not_replicated — the answer is recorded on the primary — and with them back the same answer
// is 200 again. docs/availability.md.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "piket/common/crypto.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/config/config.hpp"
#include "piket/inbound/inbound_api.hpp"
#include "piket/store/page.hpp"
#include "redis_cluster.hpp"

namespace piket::inbound {
namespace {

using namespace std::chrono_literals;
using test::RedisCluster;

const std::string kPage = "P0123456789ABCDEF";
const std::string kCase = "C12345678";
const std::string kToken = "anna-staff-token";

TEST(InboundOnCluster, AnAcknowledgementIsConfirmedOnlyOnceReplicated) {
  RedisCluster cluster("piket-inbound-wait");
  common::RedisConnection primary(cluster.node_config(0));
  // What dispatch and notify leave behind: anna paged.
  primary.command({"HSET", store::page_key(kPage), "incident", "I0123456789ABCDEF", "case", kCase,
                   "person", "anna", "to", "+31600000001", "ack_code", "123456", "rule", "on_call",
                   "state", "accepted", "attempts", "1"});

  config::Config cfg;
  cfg.redis = cluster.config_as("inbound");
  cfg.redis.min_replicas = 1;
  cfg.redis.replica_wait = common::Millis{300};
  rota::PersonConfig anna;
  anna.id = "anna";
  anna.display_name = "Anna";
  anna.phone = "+31600000001";
  anna.regions = {"groningen"};
  anna.token_sha256 = common::sha256_hex(kToken);
  cfg.regions = {{"groningen", "Groningen"}};
  cfg.people = {anna};
  common::SimulatedClock clock(common::from_epoch_ms(1795870800000));
  common::Metrics metrics("inbound");
  InboundApi api(cfg.inbound, InboundDeps{cfg.redis, cfg.people, cfg.bearer_tokens(), "", 1000},
                 clock, metrics);
  common::HttpRequest ack;
  ack.method = "POST";
  ack.path = ack.target = "/v1/pages/" + kPage + "/ack";
  ack.headers.push_back({"authorization", "Bearer " + kToken});
  common::HttpRequest ready;
  ready.method = "GET";
  ready.path = ready.target = "/readyz";
  EXPECT_EQ(api.handle(ready).status, 200);

  cluster.stop_node(1);
  cluster.stop_node(2);
  cluster.wait_for_replicas(0, 0, 5s);
  const auto refused = api.handle(ack);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("not_replicated"), std::string::npos) << refused.body;
  // Recorded on the primary, not promised.
  EXPECT_EQ(primary.command({"HGET", store::page_key(kPage), "state"}).str, "acknowledged");
  EXPECT_EQ(api.handle(ready).status, 503);

  cluster.start_node(1, 0);
  cluster.start_node(2, 0);
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  auto again = api.handle(ack);
  while (again.status == 503 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    again = api.handle(ack);
  }
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(api.handle(ready).status, 200);
}

}  // namespace
}  // namespace piket::inbound
