// Durable answers in ingest (label `cluster`): with [redis] min_replicas = 1, the partner's
// 201/200 waits until a replica has the incident. Both replicas stopped: 503 not_replicated,
// and /readyz says why; with them back the same POST gets the same incident (WAIT timed out:
// the incident was on the primary) or its first 201 (the primary's min-replicas-to-write
// refused the script whole: nothing was written). IngestApi runs directly against the cluster,
// as tests/ingest does against one Redis. docs/availability.md.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "piket/common/crypto.hpp"
#include "piket/common/http_types.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/time_format.hpp"
#include "piket/config/config.hpp"
#include "piket/ingest/ingest_api.hpp"
#include "piket/ingest/ingest_wiring.hpp"
#include "piket/ingest/redis_incident_store.hpp"
#include "piket/store/incident.hpp"
#include "private_redis.hpp"
#include "redis_cluster.hpp"

namespace piket::ingest {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using test::RedisCluster;

const common::Instant kAcceptedAt = *common::parse_rfc3339("2026-11-22T13:05:00Z");
const common::Instant kTransportNow = *common::parse_rfc3339("2031-01-01T00:00:00Z");
constexpr common::Millis kResendAfter{2000};
const std::string kToken = "police-token";

std::string body_for(const std::string& reference) {
  return json::serialize(json::object{
      {"reference", reference},
      {"kind", "home_ban"},
      {"region", "groningen"},
      {"reported_at", "2026-11-22T14:03:00+01:00"},
      {"household", "hh-" + reference},
      {"home_ban", json::object{{"starts_at", "2026-11-22T13:40:00+01:00"},
                                {"ends_at", "2026-12-02T13:40:00+01:00"}}},
      {"persons", json::array{json::object{{"role", "victim"}, {"name", "N"}}}},
      {"summary", "free text"},
  });
}

// IngestApi over a RedisIncidentStore on the cluster, with [redis] min_replicas = 1.
class Partner {
 public:
  explicit Partner(const RedisCluster& cluster)
      : config_(config::parse_config(
            "[kannel]\nusername = \"u\"\n[rota]\nfile = \"rota.toml\"\n[[regions]]\nid = "
            "\"groningen\"\n[[partners]]\nid = \"police\"\ntoken_sha256 = \"" +
                common::sha256_hex(kToken) + "\"\nregions = [\"groningen\"]\n",
            "cluster-test.toml")),
        store_(redis_config(cluster), kResendAfter,
               [this](const std::string& id, const std::string&) { woken.push_back(id); }),
        api_(ingest_deps(config_, domain_, transport_, store_, metrics)) {}

  common::HttpResponse post(const std::string& reference) {
    common::HttpRequest r;
    r.method = "POST";
    r.path = r.target = "/v1/incidents";
    r.headers = {{"authorization", "Bearer " + kToken}, {"content-type", "application/json"}};
    r.body = body_for(reference);
    return api_.handle(r);
  }
  // POSTs until the answer is not 503 (replicas catching up after a restart), up to 20 s.
  common::HttpResponse post_until_durable(const std::string& reference) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    auto r = post(reference);
    while (r.status == 503 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(100ms);
      r = post(reference);
    }
    return r;
  }
  common::HttpResponse get(const std::string& path) {
    common::HttpRequest r;
    r.method = "GET";
    r.path = r.target = path;
    return api_.handle(r);
  }

  common::Metrics metrics{"ingest"};
  std::vector<std::string> woken;

 private:
  static common::RedisConfig redis_config(const RedisCluster& cluster) {
    auto c = cluster.config_as("ingest");
    c.min_replicas = 1;
    c.replica_wait = common::Millis{300};
    return c;
  }
  config::Config config_;
  common::SimulatedClock domain_{kAcceptedAt}, transport_{kTransportNow};
  RedisIncidentStore store_;
  IngestApi api_;
};

std::string incident_id(const common::HttpResponse& r) {
  return std::string(json::parse(r.body).at("incident_id").as_string());
}

bool has_metric(const std::string& text, const std::string& pattern) {
  return std::regex_search(text, std::regex{pattern});
}

TEST(IngestOnCluster, WithoutReplicasTheWaitTimesOut503ThenTheSamePostIsTheSameIncident) {
  RedisCluster cluster("piket-ingest-wait");
  Partner partner(cluster);
  common::RedisConnection primary(cluster.node_config(0));

  const auto first = partner.post("PNN-1");
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(partner.get("/readyz").status, 200);

  cluster.stop_node(1);
  cluster.stop_node(2);
  cluster.wait_for_replicas(0, 0, 5s);
  const auto refused = partner.post("PNN-2");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("not_replicated"), std::string::npos) << refused.body;
  // The primary has it (WAIT came after the write): not promised, but there.
  const auto stored = primary.command({"GET", store::idempotency_key("police", "PNN-2")});
  ASSERT_TRUE(stored.opt_string().has_value());
  EXPECT_EQ(partner.woken, std::vector<std::string>{incident_id(first)})
      << "an incident not yet durable woke dispatch";
  const auto ready = partner.get("/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("replica"), std::string::npos) << ready.body;
  EXPECT_EQ(partner.get("/healthz").status, 200) << "alive, though not ready";
  // A replay is durable only once replicated too.
  EXPECT_EQ(partner.post("PNN-1").status, 503);
  const auto metrics = partner.metrics.render();
  EXPECT_TRUE(has_metric(metrics, "outcome=\"not_replicated\"[^}]*\\} 2\n")) << metrics;
  EXPECT_TRUE(has_metric(metrics, "piket_redis_replica_waits_timed_out_total\\{[^}]*\\} [1-9]"))
      << metrics;

  cluster.start_node(1, 0);
  cluster.start_node(2, 0);
  const auto retried = partner.post_until_durable("PNN-2");
  ASSERT_EQ(retried.status, 200) << retried.body;
  EXPECT_EQ(incident_id(retried), *stored.opt_string());
  EXPECT_EQ(partner.get("/readyz").status, 200);
  // A new incident right after the replicas' return may still wait longer than the 300 ms
  // (CI, 2026-12-06: both replicas synced, not yet streamed to); once they acknowledge writes
  // again, it is 201 at once.
  ASSERT_TRUE(cluster.replicas_acknowledge(0, 2, 10s));
  EXPECT_EQ(partner.post("PNN-3").status, 201);
  // Replicated: a replica has the incident the partner was told about.
  int replicas_with_it = 0;
  for (int i : {1, 2}) {
    common::RedisConnection replica(cluster.node_config(i));
    replicas_with_it +=
        replica.command({"GET", store::idempotency_key("police", "PNN-2")}).opt_string() ? 1 : 0;
  }
  EXPECT_GE(replicas_with_it, 1);
}

TEST(IngestOnCluster, MinReplicasToWriteRefusesTheIncidentWholeThenItIs201) {
  RedisCluster::Options options;
  options.min_replicas_to_write = 1;
  RedisCluster cluster("piket-ingest-noreplicas", options);
  Partner partner(cluster);
  common::RedisConnection primary(cluster.node_config(0));

  cluster.stop_node(1);
  cluster.stop_node(2);
  cluster.wait_for_replicas(0, 0, 5s);
  const auto keys_before = test::all_keys(primary);
  const auto refused = partner.post("PNN-9");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("not_replicated"), std::string::npos) << refused.body;
  EXPECT_EQ(test::all_keys(primary), keys_before) << "a refused incident left keys behind";
  EXPECT_TRUE(partner.woken.empty());
  EXPECT_EQ(partner.get("/readyz").status, 503);

  // With both replicas back in sync (a POST while they still sync may be accepted and then
  // time out in WAIT: 503, and its retry 200 — the other test's case), the POST is 201.
  cluster.start_node(1, 0);
  cluster.start_node(2, 0);
  cluster.wait_for_replicas(0, 2, 10s);
  const auto created = partner.post("PNN-9");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(partner.woken, std::vector<std::string>{incident_id(created)});
  EXPECT_EQ(partner.post("PNN-9").status, 200);
}

}  // namespace
}  // namespace piket::ingest
