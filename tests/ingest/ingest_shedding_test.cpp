// Load shedding in the partner API (label redis; issue 13, docs/availability.md "Load
// shedding"): IngestApi on an HttpServer with the deployment file's [ingest] queue bounds, a
// RedisIncidentStore on a private redis-server. The request thread is blocked the way a
// failover blocks it — on Redis (CLIENT PAUSE WRITE holds the acceptance script as a missing
// replica holds WAIT) — and the time the requests wait is the server's clock, moved by the test.
#include <gtest/gtest.h>

#include <boost/algorithm/string/predicate.hpp>
#include <boost/json.hpp>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "piket/common/crypto.hpp"
#include "piket/common/http_client.hpp"
#include "piket/common/http_server.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/time_format.hpp"
#include "piket/config/config.hpp"
#include "piket/ingest/ingest_api.hpp"
#include "piket/ingest/ingest_wiring.hpp"
#include "piket/ingest/redis_incident_store.hpp"
#include "piket/store/incident.hpp"
#include "private_redis.hpp"

namespace piket::ingest {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const std::string kToken = "police-token-shed-1";

std::string body_for(const std::string& reference) {
  return R"({"reference":")" + reference +
         R"(","kind":"code_red","region":"groningen","reported_at":"2026-11-22T14:03:00+01:00",)"
         R"("household":"hh-shed-)" +
         reference + R"("})";
}

class IngestSheddingTest : public ::testing::Test {
 protected:
  IngestSheddingTest()
      : redis_("piket-ingest-shed"),
        config_(
            config::parse_config("[ingest]\nthreads = 1\nqueue_limit = 2\nqueue_wait_ms = 1000\n"
                                 "[kannel]\nusername = \"u\"\n[rota]\nfile = \"rota.toml\"\n"
                                 "[[regions]]\nid = \"groningen\"\n"
                                 "[[partners]]\nid = \"police\"\ntoken_sha256 = \"" +
                                     common::sha256_hex(kToken) + "\"\nregions = [\"groningen\"]\n",
                                 "shedding-test.toml")),
        // Long enough for the store to outwait the pause rather than give up on Redis.
        store_(redis_.config_as("ingest", common::Millis{20000}), common::Millis{2000}, nullptr),
        domain_(*common::parse_rfc3339("2026-11-22T13:05:00Z")),
        transport_(*common::parse_rfc3339("2031-01-01T00:00:00Z")),
        metrics_("ingest"),
        api_(ingest_deps(config_, domain_, transport_, store_, metrics_)),
        ops_(redis_.config()) {
    // As services/ingest/main.cpp wires it, on a free port.
    auto o = ingest_server_options(config_, transport_, metrics_);
    o.listen = {"127.0.0.1", 0};
    server_ = std::make_unique<common::HttpServer>(
        std::move(o), [this](const common::HttpRequest& r) { return api_.handle(r); });
    server_->start();
  }
  ~IngestSheddingTest() override {
    ops_.command({"CLIENT", "UNPAUSE"});
    for (auto& t : partners_) t.join();
  }

  std::unique_ptr<common::HttpClient> partner(std::chrono::milliseconds timeout) const {
    auto c = std::make_unique<common::HttpClient>(common::HostPort{"127.0.0.1", server_->port()},
                                                  timeout);
    c->set_header("Authorization", "Bearer " + kToken);
    return c;
  }
  common::HttpResult post(const std::string& reference) {
    return partner(2s)->post("/v1/incidents", "application/json", body_for(reference));
  }
  // A partner on a thread of its own, whose answer comes later.
  std::shared_future<common::HttpResult> post_in_background(const std::string& reference) {
    auto answer = std::make_shared<std::promise<common::HttpResult>>();
    auto result = answer->get_future().share();
    partners_.emplace_back([this, reference, answer] {
      answer->set_value(
          partner(30s)->post("/v1/incidents", "application/json", body_for(reference)));
    });
    return result;
  }
  bool load_reaches(std::size_t busy, std::size_t waiting) const {
    for (int i = 0; i < 1000; ++i) {
      const auto l = server_->load();
      if (l.busy == busy && l.waiting == waiting) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
  bool stored(const std::string& reference) {
    return ops_.command({"EXISTS", store::idempotency_key("police", reference)}).integer == 1;
  }
  static void expect_overloaded(const common::HttpResult& r) {
    ASSERT_EQ(r.status, 503) << r.error << r.body;
    const auto e = json::parse(r.body).at("error").as_object();
    EXPECT_EQ(e.at("code").as_string(), "overloaded");
    EXPECT_TRUE(e.at("message").is_string());
    EXPECT_FALSE(e.contains("field"));
    std::string retry_after;
    for (const auto& [k, v] : r.headers)
      if (boost::iequals(k, "Retry-After")) retry_after = v;
    EXPECT_EQ(retry_after, "1");
  }
  double shed(const std::string& reason) const {
    const auto text = metrics_.render();
    const std::string series =
        R"(piket_http_requests_shed_total{service="ingest",reason=")" + reason + R"("} )";
    const auto at = text.find(series);
    return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size()));
  }

  test::PrivateRedis redis_;
  config::Config config_;
  RedisIncidentStore store_;
  common::SimulatedClock domain_, transport_;
  common::Metrics metrics_;
  IngestApi api_;
  common::RedisConnection ops_;
  std::vector<std::thread> partners_;
  std::unique_ptr<common::HttpServer> server_;
};

TEST_F(IngestSheddingTest, BelowTheBoundsAnIncidentIsAcceptedAsBefore) {
  const auto r = post("SHED-0");
  EXPECT_EQ(r.status, 201) << r.error << r.body;
  EXPECT_TRUE(stored("SHED-0"));
  EXPECT_EQ(post("SHED-0").status, 200);
  EXPECT_EQ(shed("queue_full"), 0);
  EXPECT_EQ(shed("queue_wait"), 0);
}

TEST_F(IngestSheddingTest, OverTheBoundsPartnersGet503AtOnceAndNothingIsStored) {
  // Depth: the request thread blocked on Redis, two more waiting: the queue is at its bound.
  ops_.command({"CLIENT", "PAUSE", "30000", "WRITE"});
  auto first = post_in_background("SHED-1");
  ASSERT_TRUE(load_reaches(1, 0));
  auto second = post_in_background("SHED-2");
  ASSERT_TRUE(load_reaches(1, 1));
  auto third = post_in_background("SHED-3");
  ASSERT_TRUE(load_reaches(1, 2));
  // Answered at once (well inside the client's 2 s), not queued.
  expect_overloaded(post("SHED-4"));
  EXPECT_EQ(shed("queue_full"), 1);
  ops_.command({"CLIENT", "UNPAUSE"});
  // No time passed on the server's clock: the waiting ones are handled as before.
  for (auto* f : {&first, &second, &third}) EXPECT_EQ(f->get().status, 201) << f->get().error;

  // The third's answer may reach its partner before its thread counts itself idle: wait for
  // idle, or "busy 1" below could be that thread and not the fifth's (SHED-6 then went first).
  ASSERT_TRUE(load_reaches(0, 0));

  // Age: the thread blocked again, one waiting longer than queue_wait_ms (the queue not full).
  ops_.command({"CLIENT", "PAUSE", "30000", "WRITE"});
  auto fifth = post_in_background("SHED-5");
  ASSERT_TRUE(load_reaches(1, 0));
  auto sixth = post_in_background("SHED-6");
  ASSERT_TRUE(load_reaches(1, 1));
  transport_.advance(1001ms);
  expect_overloaded(post("SHED-7"));  // the thread is stuck: refused on arrival
  EXPECT_EQ(shed("queue_wait"), 1);
  // Redis back: the blocked one is accepted; the one that waited too long is answered 503
  // unhandled when the thread takes it.
  ops_.command({"CLIENT", "UNPAUSE"});
  EXPECT_EQ(fifth.get().status, 201) << fifth.get().error;
  expect_overloaded(sixth.get());
  EXPECT_EQ(shed("queue_wait"), 2);
  EXPECT_EQ(shed("queue_full"), 1);

  for (const auto* ref : {"SHED-1", "SHED-2", "SHED-3", "SHED-5"}) EXPECT_TRUE(stored(ref)) << ref;
  for (const auto* ref : {"SHED-4", "SHED-6", "SHED-7"}) EXPECT_FALSE(stored(ref)) << ref;

  // The partners retry, as Retry-After invites: accepted.
  for (const auto* ref : {"SHED-4", "SHED-6", "SHED-7"}) {
    const auto r = post(ref);
    EXPECT_EQ(r.status, 201) << ref << ": " << r.error << r.body;
    EXPECT_TRUE(stored(ref)) << ref;
  }
}

// The partner API's server takes its bounds on connections from [ingest]
// (common/http_server.hpp holds them; tests/common/http_test.cpp tries them).
TEST(IngestServerOptions, TakeTheConnectionBoundsFromTheConfig) {
  const auto config = config::parse_config(
      "[ingest]\nmax_connections = 40\nmax_connections_per_address = 3\n"
      "[kannel]\nusername = \"u\"\n[rota]\nfile = \"rota.toml\"\n"
      "[[regions]]\nid = \"groningen\"\n",
      "bounds-test.toml");
  common::SimulatedClock transport(*common::parse_rfc3339("2031-01-01T00:00:00Z"));
  common::Metrics metrics("ingest");
  const auto o = ingest_server_options(config, transport, metrics);
  EXPECT_EQ(o.max_connections, 40u);
  EXPECT_EQ(o.max_connections_per_address, 3u);
  const auto d = ingest_server_options(
      config::parse_config("[kannel]\nusername = \"u\"\n[rota]\nfile = \"rota.toml\"\n"
                           "[[regions]]\nid = \"groningen\"\n",
                           "defaults-test.toml"),
      transport, metrics);
  EXPECT_EQ(d.max_connections, 1024u);
  EXPECT_EQ(d.max_connections_per_address, 256u);
}

}  // namespace
}  // namespace piket::ingest
