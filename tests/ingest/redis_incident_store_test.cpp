// RedisIncidentStore against a real, private redis-server (label `redis`):
// idempotency, concurrency, household → case, the dispatch outbox, find().
// The store runs as Redis user "ingest" (its least privilege), the test's own
// reads as "ops".
#include "piket/ingest/redis_incident_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <latch>
#include <memory>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "instances.hpp"
#include "piket/common/crypto.hpp"
#include "piket/common/http_client.hpp"
#include "piket/common/http_server.hpp"
#include "piket/common/http_types.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/time_format.hpp"
#include "piket/config/config.hpp"
#include "piket/ingest/canonical_json.hpp"
#include "piket/ingest/ingest_api.hpp"
#include "piket/ingest/ingest_wiring.hpp"
#include "piket/ingest/validation.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/outbox.hpp"
#include "private_redis.hpp"

namespace piket::ingest {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const RegionSet kRegions{"groningen", "drenthe"};
const common::Instant kAcceptedAt = *common::parse_rfc3339("2026-11-22T13:05:00Z");
const common::Instant kTransportNow = *common::parse_rfc3339("2031-01-01T00:00:00Z");
constexpr common::Millis kResendAfter{2000};
const std::regex kIncidentId{"^I[0-9A-Z]{16}$"};
const std::regex kCaseId{"^C[0-9A-Z]{8}$"};

using ::piket::test::PrivateRedis;

json::object body_for(const std::string& reference, const std::string& household,
                      const std::string& summary = "free text") {
  return json::object{
      {"reference", reference},
      {"kind", "home_ban"},
      {"region", "groningen"},
      {"reported_at", "2026-11-22T14:03:00+01:00"},
      {"household", household},
      {"home_ban", json::object{{"starts_at", "2026-11-22T13:40:00+01:00"},
                                {"ends_at", "2026-12-02T13:40:00+01:00"}}},
      {"persons", json::array{json::object{{"role", "victim"}, {"name", "N"}}}},
      {"summary", summary},
  };
}

// A deployment file with one partner, police, whose token is kPoliceToken.
const std::string kPoliceToken = "police-token";
config::Config police_config() {
  return config::parse_config(
      "[kannel]\nusername = \"u\"\n[rota]\nfile = \"rota.toml\"\n[[regions]]\nid = \"groningen\"\n"
      "[[partners]]\nid = \"police\"\ntoken_sha256 = \"" +
          common::sha256_hex(kPoliceToken) + "\"\nregions = [\"groningen\"]\n",
      "redis-test.toml");
}
// police's POST /v1/incidents of body_for(reference, household).
common::HttpRequest police_post(const std::string& reference, const std::string& household) {
  common::HttpRequest r;
  r.method = "POST";
  r.path = r.target = "/v1/incidents";
  r.headers = {{"authorization", "Bearer " + kPoliceToken}, {"content-type", "application/json"}};
  r.body = json::serialize(body_for(reference, household));
  return r;
}

// What IngestApi hands the store for one validated body.
struct Prepared {
  IncidentRequest request;
  std::string body_hash;

  NewIncident incident(const std::string& partner) const {
    NewIncident n;
    n.partner = partner;
    n.request = &request;
    n.body_hash = body_hash;
    n.accepted_at = kAcceptedAt;
    n.transport_now = kTransportNow;
    return n;
  }
};

Prepared prepare(const json::object& body) {
  const json::value v = body;
  auto validated = validate_parsed_incident(v, kRegions);
  if (auto* e = std::get_if<common::ApiRefusal>(&validated))
    throw std::runtime_error("test body invalid: " + e->field);
  auto request = std::get<IncidentRequest>(std::move(validated));
  auto hash = idempotency_hash(request.stored);
  return {std::move(request), std::move(hash)};
}

class RedisIncidentStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new PrivateRedis("piket-ingest-redis"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }

  RedisIncidentStoreTest()
      : conn_(redis_->config()),
        store_(redis_->config_as("ingest"), kResendAfter,
               [this](const std::string& id, const std::string& payload) {
                 std::lock_guard lock(mutex_);
                 woken_.emplace_back(id, payload);
               }) {
    conn_.command({"FLUSHALL"});
  }

  std::string get(const std::string& key) { return conn_.command({"GET", key}).str; }
  std::string hget(const std::string& key, const std::string& field) {
    return conn_.command({"HGET", key, field}).str;
  }
  long long integer(std::initializer_list<std::string_view> cmd) {
    return conn_.command(cmd).integer;
  }

  static PrivateRedis* redis_;
  common::RedisConnection conn_;  // the test's own view of Redis
  std::mutex mutex_;
  std::vector<std::pair<std::string, std::string>> woken_;
  RedisIncidentStore store_;
};

PrivateRedis* RedisIncidentStoreTest::redis_ = nullptr;

TEST_F(RedisIncidentStoreTest, CreatedThenReplayedThenConflict) {
  const auto first = prepare(body_for("PNN-1", "hh-1"));
  const auto created = store_.store(first.incident("police"));
  EXPECT_EQ(created.kind, StoreOutcome::Kind::created);
  EXPECT_TRUE(std::regex_match(created.incident_id, kIncidentId)) << created.incident_id;
  EXPECT_TRUE(std::regex_match(created.case_id, kCaseId)) << created.case_id;

  // The record as stored.
  EXPECT_EQ(get(store::idempotency_key("police", "PNN-1")), created.incident_id);
  const auto key = store::incident_key(created.incident_id);
  EXPECT_EQ(hget(key, "partner"), "police");
  EXPECT_EQ(hget(key, "reference"), "PNN-1");
  EXPECT_EQ(hget(key, "status"), "accepted");
  EXPECT_EQ(hget(key, "case_id"), created.case_id);
  EXPECT_EQ(hget(key, "stored_hash"), first.body_hash);
  EXPECT_EQ(hget(key, "accepted_at"), std::to_string(common::to_epoch_ms(kAcceptedAt)));
  EXPECT_EQ(json::parse(hget(key, "body")), json::value(first.request.stored));
  // The persons' roles, kept apart so that loading the case need not decode the body.
  EXPECT_EQ(hget(key, "roles"), "victim");

  const auto again = prepare(body_for("PNN-1", "hh-1"));
  const auto replayed = store_.store(again.incident("police"));
  EXPECT_EQ(replayed.kind, StoreOutcome::Kind::replayed);
  EXPECT_EQ(replayed.incident_id, created.incident_id);
  EXPECT_EQ(replayed.case_id, created.case_id);

  const auto changed = prepare(body_for("PNN-1", "hh-1", "another text"));
  const auto conflict = store_.store(changed.incident("police"));
  EXPECT_EQ(conflict.kind, StoreOutcome::Kind::conflict);
  EXPECT_EQ(conflict.incident_id, created.incident_id);
  // The conflict changed nothing.
  EXPECT_EQ(hget(key, "stored_hash"), first.body_hash);
  EXPECT_EQ(integer({"LLEN", store::case_incidents_key(created.case_id)}), 1);

  // The same reference from another partner is another incident.
  const auto other = store_.store(first.incident("veilig-thuis"));
  EXPECT_EQ(other.kind, StoreOutcome::Kind::created);
  EXPECT_NE(other.incident_id, created.incident_id);
}

TEST_F(RedisIncidentStoreTest, AReplayThatOnlyAddsAnUnknownFieldIsReplayed) {
  const auto first = prepare(body_for("PNN-u", "hh-u"));
  const auto created = store_.store(first.incident("police"));
  ASSERT_EQ(created.kind, StoreOutcome::Kind::created);
  auto body = body_for("PNN-u", "hh-u");
  body["priority"] = "high";
  const auto again = store_.store(prepare(body).incident("police"));
  EXPECT_EQ(again.kind, StoreOutcome::Kind::replayed);
  EXPECT_EQ(again.incident_id, created.incident_id);
  body["summary"] = "changed";
  EXPECT_EQ(store_.store(prepare(body).incident("police")).kind, StoreOutcome::Kind::conflict);
}

TEST_F(RedisIncidentStoreTest, IncidentsStoredBeforeStoredHashStillReplayByTheirKnownFields) {
  // An incident as the previous version stored it: body_hash over the whole
  // body (with an unknown field), no stored_hash.
  auto original = body_for("PNN-old", "hh-old");
  original["priority"] = "high";
  const auto first = prepare(original);
  const auto created = store_.store(first.incident("police"));
  const auto key = store::incident_key(created.incident_id);
  conn_.command({"HDEL", key, "stored_hash"});
  conn_.command(
      {"HSET", key, "body_hash", common::sha256_hex(canonical_json(json::value(original)))});
  // The very same body, the body without the unknown field, and with another
  // unknown field: all the same incident.
  EXPECT_EQ(store_.store(prepare(original).incident("police")).kind, StoreOutcome::Kind::replayed);
  auto plain = body_for("PNN-old", "hh-old");
  EXPECT_EQ(store_.store(prepare(plain).incident("police")).kind, StoreOutcome::Kind::replayed);
  plain["source"] = "mobile";
  const auto again = store_.store(prepare(plain).incident("police"));
  EXPECT_EQ(again.kind, StoreOutcome::Kind::replayed);
  EXPECT_EQ(again.incident_id, created.incident_id);
  EXPECT_EQ(again.case_id, created.case_id);
  // A known field changed: a conflict, and nothing written.
  plain["summary"] = "another text";
  EXPECT_EQ(store_.store(prepare(plain).incident("police")).kind, StoreOutcome::Kind::conflict);
  EXPECT_EQ(hget(key, "stored_hash"), "");
  EXPECT_EQ(integer({"LLEN", store::case_incidents_key(created.case_id)}), 1);
}

// Two ingest instances (two stores, each its own connections; docs/availability.md, "Two
// instances of every service") get the same posts at the same moment — a partner's retry
// through the load balancer — for 60 references of 6 households: each reference is created
// once (the other instance replays it), each household has one case holding its 10 incidents,
// and dispatch gets one message per incident. ingest keeps nothing between requests.
TEST_F(RedisIncidentStoreTest, TwoInstancesPostingTheSameIncidentsAtOnceCreateEachOnce) {
  RedisIncidentStore second(redis_->config_as("ingest"), kResendAfter,
                            [this](const std::string& id, const std::string& payload) {
                              std::lock_guard lock(mutex_);
                              woken_.emplace_back(id, payload);
                            });
  std::vector<Prepared> posts;
  for (int n = 0; n < 60; ++n) {
    auto body = body_for("PNN-" + std::to_string(n), "hh-" + std::to_string(n % 6));
    body["kind"] = "repeat_incident";
    body.erase("home_ban");
    posts.push_back(prepare(body));
  }
  std::vector<std::vector<StoreOutcome>> outcomes(2);
  ::piket::test::race(2, [&](int i) {
    auto& store = i == 0 ? static_cast<IncidentStore&>(store_) : second;
    for (const auto& p : posts)
      outcomes[static_cast<std::size_t>(i)].push_back(store.store(p.incident("police")));
  });
  std::set<std::string> cases;
  for (std::size_t n = 0; n < posts.size(); ++n) {
    const auto& a = outcomes[0][n];
    const auto& b = outcomes[1][n];
    EXPECT_EQ((a.kind == StoreOutcome::Kind::created) + (b.kind == StoreOutcome::Kind::created), 1)
        << n;
    EXPECT_EQ((a.kind == StoreOutcome::Kind::replayed) + (b.kind == StoreOutcome::Kind::replayed),
              1)
        << n;
    EXPECT_EQ(a.incident_id, b.incident_id) << n;
    EXPECT_EQ(a.case_id, b.case_id) << n;
    cases.insert(a.case_id);
  }
  EXPECT_EQ(cases.size(), 6u);
  for (const auto& c : cases) EXPECT_EQ(integer({"LLEN", store::case_incidents_key(c)}), 10) << c;
  EXPECT_EQ(integer({"SCARD", store::kCasesOpen}), 6);
  EXPECT_EQ(integer({"ZCARD", store::outbox_due_key("dispatch")}), 60);
  std::lock_guard lock(mutex_);
  EXPECT_EQ(woken_.size(), 60u);
}

TEST_F(RedisIncidentStoreTest, FiftyConcurrentIdenticalPostsCreateExactlyOne) {
  const auto prepared = prepare(body_for("PNN-race", "hh-race"));
  constexpr int kThreads = 50;
  std::latch start(kThreads);
  std::mutex m;
  std::vector<StoreOutcome> outcomes;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      try {
        auto out = store_.store(prepared.incident("police"));
        std::lock_guard lock(m);
        outcomes.push_back(out);
      } catch (const std::exception& e) {
        std::lock_guard lock(m);
        failures.push_back(e.what());
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(failures.empty()) << failures.front();
  ASSERT_EQ(outcomes.size(), static_cast<std::size_t>(kThreads));
  int created = 0, replayed = 0;
  for (const auto& o : outcomes) {
    created += o.kind == StoreOutcome::Kind::created;
    replayed += o.kind == StoreOutcome::Kind::replayed;
    EXPECT_EQ(o.incident_id, outcomes.front().incident_id);
    EXPECT_EQ(o.case_id, outcomes.front().case_id);
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(replayed, kThreads - 1);
  EXPECT_EQ(integer({"LLEN", store::case_incidents_key(outcomes.front().case_id)}), 1);
  EXPECT_EQ(integer({"ZCARD", store::outbox_due_key("dispatch")}), 1);
  EXPECT_EQ(integer({"SCARD", store::kCasesOpen}), 1);
  std::lock_guard lock(mutex_);
  EXPECT_EQ(woken_.size(), 1u);
}

TEST_F(RedisIncidentStoreTest, SameHouseholdJoinsTheCaseOtherHouseholdOpensOne) {
  const auto a = store_.store(prepare(body_for("PNN-a", "hh-shared")).incident("police"));
  const auto b = store_.store(prepare(body_for("PNN-b", "hh-shared")).incident("police"));
  const auto c = store_.store(prepare(body_for("PNN-c", "hh-other")).incident("police"));
  // The household key is the partner's own: another partner's equal key is another household.
  const auto d = store_.store(prepare(body_for("PNN-d", "hh-shared")).incident("veilig-thuis"));
  for (const auto* o : {&a, &b, &c, &d}) EXPECT_EQ(o->kind, StoreOutcome::Kind::created);
  EXPECT_EQ(b.case_id, a.case_id);
  EXPECT_NE(c.case_id, a.case_id);
  EXPECT_NE(d.case_id, a.case_id);
  EXPECT_NE(d.case_id, c.case_id);

  EXPECT_EQ(get(store::household_key("police", "hh-shared")), a.case_id);
  EXPECT_EQ(get(store::household_key("police", "hh-other")), c.case_id);
  const auto list = conn_.command({"LRANGE", store::case_incidents_key(a.case_id), "0", "-1"});
  ASSERT_EQ(list.elements.size(), 2u);
  EXPECT_EQ(list.elements[0].str, a.incident_id);
  EXPECT_EQ(list.elements[1].str, b.incident_id);
  EXPECT_EQ(hget(store::case_key(a.case_id), "household"), "hh-shared");
  EXPECT_EQ(hget(store::case_key(a.case_id), "partner"), "police");
  EXPECT_EQ(hget(store::incident_key(a.incident_id), "new_case"), "1");
  EXPECT_EQ(hget(store::incident_key(b.incident_id), "new_case"), "0");
  EXPECT_EQ(integer({"SCARD", store::kCasesOpen}), 3);
  EXPECT_EQ(integer({"LLEN", store::case_timeline_key(a.case_id)}), 2);
}

TEST_F(RedisIncidentStoreTest, DispatchOutboxHoldsTheNewIncident) {
  const auto p = prepare(body_for("PNN-outbox", "hh-o"));
  const auto out = store_.store(p.incident("police"));
  ASSERT_EQ(out.kind, StoreOutcome::Kind::created);

  const auto score = conn_.command({"ZSCORE", store::outbox_due_key("dispatch"), out.incident_id});
  ASSERT_FALSE(score.is_nil());
  EXPECT_EQ(std::stoll(score.str), common::to_epoch_ms(kTransportNow) + kResendAfter.count());
  const auto payload = hget(store::outbox_data_key("dispatch"), out.incident_id);
  EXPECT_EQ(json::parse(payload),
            json::parse(dispatch_payload(out.incident_id, out.case_id, "home_ban", "groningen")));
  EXPECT_EQ(json::parse(payload).at("incident_id").as_string(), out.incident_id);
  EXPECT_EQ(json::parse(payload).at("case_id").as_string(), out.case_id);
  {
    std::lock_guard lock(mutex_);
    ASSERT_EQ(woken_.size(), 1u);
    EXPECT_EQ(woken_[0].first, out.incident_id);
    EXPECT_EQ(json::parse(woken_[0].second), json::parse(payload));
  }

  // A replay does not enqueue again.
  EXPECT_EQ(store_.store(p.incident("police")).kind, StoreOutcome::Kind::replayed);
  EXPECT_EQ(integer({"ZCARD", store::outbox_due_key("dispatch")}), 1);
  EXPECT_EQ(integer({"HLEN", store::outbox_data_key("dispatch")}), 1);
  std::lock_guard lock(mutex_);
  EXPECT_EQ(woken_.size(), 1u);
}

TEST_F(RedisIncidentStoreTest, FindReturnsPartnerCaseAndStatus) {
  const auto out = store_.store(prepare(body_for("PNN-find", "hh-f")).incident("police"));
  auto view = store_.find(out.incident_id);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->incident_id, out.incident_id);
  EXPECT_EQ(view->partner, "police");
  EXPECT_EQ(view->case_id, out.case_id);
  EXPECT_EQ(view->status, "accepted");

  conn_.command({"HSET", store::incident_key(out.incident_id), "status", "dispatched"});
  view = store_.find(out.incident_id);
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->status, "dispatched");

  EXPECT_FALSE(store_.find("I0000000000000000").has_value());
  EXPECT_TRUE(store_.healthy());
}

TEST_F(RedisIncidentStoreTest, ApiOverRealStoreAnswers201Then200) {
  const auto config = police_config();
  common::SimulatedClock domain(kAcceptedAt), transport(kTransportNow);
  common::Metrics metrics("ingest");
  IngestApi api(ingest_deps(config, domain, transport, store_, metrics));
  const auto r = police_post("PNN-api", "hh-api");
  const auto first = api.handle(r);
  ASSERT_EQ(first.status, 201) << first.body;
  const auto second = api.handle(r);
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.body, first.body);
  const auto id = std::string(json::parse(first.body).at("incident_id").as_string());
  EXPECT_EQ(get(store::idempotency_key("police", "PNN-api")), id);

  common::HttpRequest g;
  g.method = "GET";
  g.path = g.target = "/v1/incidents/" + id;
  g.headers = {{"authorization", "Bearer " + kPoliceToken}};
  const auto seen = api.handle(g);
  EXPECT_EQ(seen.status, 200);
  EXPECT_EQ(json::parse(seen.body).at("status").as_string(), "accepted");
}

TEST(RedisIncidentStoreDownTest, UnreachableRedisIsStoreUnavailableAndRecovers) {
  PrivateRedis redis("piket-ingest-down");
  RedisIncidentStore store(redis.config_as("ingest", 300ms), kResendAfter, nullptr);
  const auto p = prepare(body_for("PNN-down", "hh-d"));
  ASSERT_TRUE(store.healthy());

  redis.server().stop();
  EXPECT_FALSE(store.healthy());
  EXPECT_THROW(store.store(p.incident("police")), StoreUnavailable);
  EXPECT_THROW(store.find("I0000000000000000"), StoreUnavailable);

  // Nothing was accepted while Redis was down; after a restart it is a first creation.
  redis.server().start();
  EXPECT_TRUE(store.healthy());
  EXPECT_EQ(store.store(p.incident("police")).kind, StoreOutcome::Kind::created);
  EXPECT_EQ(store.store(p.incident("police")).kind, StoreOutcome::Kind::replayed);
}

// Redis at its memory limit (maxmemory, noeviction): the partner gets 503 and nothing of the
// incident is written — no idempotency key, incident, case, household, timeline, outbox entry
// or deadline timer; /readyz and a metric say why (/healthz stays 200: alive). Once memory is freed
// the same POST is 201.
TEST(RedisIncidentStoreFullTest, AFullRedisIsA503WithNothingHalfDoneThenTheSamePostIs201) {
  PrivateRedis redis("piket-ingest-full", 4ULL << 20);
  common::RedisConnection ops(redis.config());
  std::vector<std::string> woken;
  RedisIncidentStore store(redis.config_as("ingest"), kResendAfter,
                           [&](const std::string& id, const std::string&) { woken.push_back(id); });
  const auto config = police_config();
  common::SimulatedClock domain(kAcceptedAt), transport(kTransportNow);
  common::Metrics metrics("ingest");
  IngestApi api(ingest_deps(config, domain, transport, store, metrics));
  const auto post = police_post("PNN-full", "hh-full");
  common::HttpRequest ready;
  ready.method = "GET";
  ready.path = ready.target = "/readyz";
  common::HttpRequest health = ready;
  health.path = health.target = "/healthz";

  const int filled = piket::test::fill_to_maxmemory(ops);
  ASSERT_GT(filled, 0);
  const auto keys_before = piket::test::all_keys(ops);
  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto refused = api.handle(post);
    EXPECT_EQ(refused.status, 503) << refused.body;
    EXPECT_NE(refused.body.find("storage_unavailable"), std::string::npos) << refused.body;
    EXPECT_NE(refused.body.find("full"), std::string::npos) << refused.body;
  }
  EXPECT_EQ(piket::test::all_keys(ops), keys_before) << "a refused incident left keys behind";
  EXPECT_TRUE(woken.empty());
  EXPECT_TRUE(std::regex_search(
      metrics.render(),
      std::regex{"piket_ingest_incidents_total\\{[^}]*outcome=\"store_full\"[^}]*\\} 3\n"}))
      << metrics.render();
  const auto full = api.handle(ready);
  EXPECT_EQ(full.status, 503);
  EXPECT_NE(full.body.find("not_ready"), std::string::npos) << full.body;
  EXPECT_NE(full.body.find("memory limit"), std::string::npos) << full.body;
  EXPECT_EQ(api.handle(health).status, 200) << "alive";

  piket::test::free_filled(ops, filled);
  EXPECT_EQ(api.handle(ready).status, 200);
  const auto created = api.handle(post);
  ASSERT_EQ(created.status, 201) << created.body;
  const auto id = std::string(json::parse(created.body).at("incident_id").as_string());
  EXPECT_EQ(ops.command({"GET", store::idempotency_key("police", "PNN-full")}).str, id);
  EXPECT_EQ(ops.command({"ZCARD", store::outbox_due_key("dispatch")}).integer, 1);
  EXPECT_EQ(woken, std::vector<std::string>{id});
  EXPECT_EQ(api.handle(post).status, 200);
}

// Redis stopped (a failover, a restart): ingest's /healthz stays 200 — the process is alive,
// and a health checker that restarted it would only add to the outage — while /readyz and a
// partner's POST are 503; with Redis back both recover, no restart. Over a real HttpServer set
// up as piket-ingest is, as piket-healthcheck and a load balancer ask it.
TEST(RedisIncidentStoreDownTest, WithRedisStoppedHealthzStays200WhileReadyzAndPostsAre503) {
  PrivateRedis redis("piket-ingest-down");
  RedisIncidentStore store(redis.config_as("ingest", common::Millis{500}), kResendAfter, nullptr);
  const auto config = police_config();
  common::SimulatedClock domain(kAcceptedAt), transport(kTransportNow);
  common::Metrics metrics("ingest");
  IngestApi api(ingest_deps(config, domain, transport, store, metrics));
  auto options = ingest_server_options(config, transport, metrics);
  options.listen = {"127.0.0.1", 0};
  common::HttpServer server(std::move(options),
                            [&api](const common::HttpRequest& r) { return api.handle(r); });
  server.start();
  common::HttpClient client({"127.0.0.1", server.port()}, 5s);
  client.set_header("Authorization", "Bearer " + kPoliceToken);
  const auto post = [&](const std::string& reference) {
    return client.post("/v1/incidents", "application/json",
                       json::serialize(body_for(reference, "hh-" + reference)));
  };
  EXPECT_EQ(client.get("/healthz").status, 200);
  EXPECT_EQ(client.get("/readyz").status, 200);

  redis.server().stop();
  const auto alive = client.get("/healthz");
  EXPECT_EQ(alive.status, 200) << alive.body;
  const auto not_ready = client.get("/readyz");
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_NE(not_ready.body.find("not_ready"), std::string::npos) << not_ready.body;
  const auto refused = post("PNN-down");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(client.get("/healthz").status, 200) << "alive after a refused POST too";

  redis.server().start();
  int ready = 0;
  for (int i = 0; i < 100 && ready != 200; ++i) {
    ready = client.get("/readyz").status;
    if (ready != 200) std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(ready, 200) << "Redis back: ready again without a restart";
  const auto created = post("PNN-down");
  EXPECT_EQ(created.status, 201) << created.body;
}

}  // namespace
}  // namespace piket::ingest
