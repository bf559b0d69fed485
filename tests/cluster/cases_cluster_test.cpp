// Durable answers in the case API (label `cluster`): with [redis] min_replicas = 1 a recorded
// event is confirmed (201) only once a replica has it. Both replicas stopped: 503
// not_replicated — the event is recorded on the primary, not promised. docs/availability.md.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>

#include "../cases/redis_fixture.hpp"  // accept_incident, assign_and_acknowledge, test_config
#include "piket/cases/cases_api.hpp"
#include "piket/common/metrics.hpp"
#include "redis_cluster.hpp"

namespace piket::cases {
namespace {

using namespace std::chrono_literals;
using piket::test::RedisCluster;
using test::at;

TEST(CasesOnCluster, ARecordedEventIsConfirmedOnlyOnceReplicated) {
  RedisCluster cluster("piket-cases-wait");
  const auto t0 = at("2026-11-22T13:00:00Z");
  auto cfg = test::test_config({}, cluster.node_port(0));
  cfg.redis = cluster.config_as("cases");
  cfg.redis.min_replicas = 1;
  cfg.redis.replica_wait = common::Millis{300};
  StaffDirectory staff{cfg};
  EngineRules rules{cfg.deadlines, staff, cfg.reply_code_window()};
  common::SimulatedClock clock{t0};
  common::SimulatedClock transport{at("2031-01-01T00:00:00Z")};
  RedisCaseStore store(cfg.redis);
  DeadlineShell shell(store, rules, clock, transport, ShellOptions{}, nullptr);
  common::Metrics metrics("cases-test");
  CasesApi api(CasesApiDeps{cfg.redis, cfg, cfg.bearer_tokens(), clock, store, rules, metrics,
                            [&shell](const std::string& id) { shell.settle(id); }});
  ingest::RedisIncidentStore incidents(cluster.config_as("ingest"), common::Millis{2000}, nullptr);
  common::RedisConnection primary(cluster.node_config(0));
  const auto o = test::accept_incident(incidents, "REF-1", "hh-1", t0);
  test::assign_and_acknowledge(primary, o, "icm-1", t0 + 1s, t0 + 2min);
  shell.run_due();
  clock.set(t0 + 1h);

  common::HttpRequest post;
  post.method = "POST";
  post.path = post.target = "/v1/cases/" + o.case_id + "/events";
  post.headers = {{"authorization", "Bearer " + test::staff_token("icm-1")},
                  {"content-type", "application/json"}};
  post.body = R"({"type":"first_contact","at":"2026-11-22T14:45:00+01:00"})";

  cluster.stop_node(1);
  cluster.stop_node(2);
  cluster.wait_for_replicas(0, 0, 5s);
  const auto refused = api.handle(post);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("not_replicated"), std::string::npos) << refused.body;
  // Recorded on the primary, not promised.
  EXPECT_EQ(primary.command({"HGET", store::case_key(o.case_id), "phase"}).str, "first_contact");

  cluster.start_node(1, 0);
  cluster.start_node(2, 0);
  cluster.wait_for_replicas(0, 2, 10s);
  // Replicated now: the next event is confirmed at once.
  post.body = R"({"type":"intake"})";
  const auto recorded = api.handle(post);
  EXPECT_EQ(recorded.status, 201) << recorded.body;
}

}  // namespace
}  // namespace piket::cases
