// Durable answers in the web app (label `cluster`): with [redis] min_replicas = 1 a change made
// in the app — a page acknowledged, an event recorded, a calendar token made — is answered 2xx
// only once a replica has it. Both replicas stopped: 503 not_replicated at once, nothing
// changed on the primary. Replicas connected but frozen (SIGSTOP, so that the primary still
// counts them): the change is recorded on the primary and the answer is 503 not_replicated
// (not confirmed); replicas going again: the same acknowledgement is 200. The web API runs
// directly against the cluster with the owning services' own code (ServiceBackend), as
// tests/web does against one Redis. docs/availability.md.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/common/time_format.hpp"
#include "piket/config/config.hpp"
#include "piket/ingest/redis_incident_store.hpp"
#include "piket/ingest/validation.hpp"
#include "piket/rota/rota_file.hpp"
#include "piket/store/audit.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/page.hpp"
#include "piket/web/file_rota_source.hpp"
#include "piket/web/live_hub.hpp"
#include "piket/web/password.hpp"
#include "piket/web/service_backend.hpp"
#include "piket/web/web_api.hpp"
#include "redis_cluster.hpp"
#include "small_rota.hpp"

namespace piket::web {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using test::RedisCluster;

constexpr const char* kPassword = "password-of-test-1";
const std::string kPage = "P00000000000000A1";

std::string config_text(const std::filesystem::path& secrets_dir, const std::string& hash) {
  std::string people;
  for (const auto* id : {"anna", "bert"})
    people += std::string("[[people]]\nid = \"") + id + "\"\nname = \"Name of " + id +
              "\"\nrole = \"casemanager\"\nphone = \"+4477009000" + (id[0] == 'a' ? "1" : "2") +
              "\"\nregions = [\"groningen\"]\npassword_argon2 = \"" + hash + "\"\n\n";
  people +=
      "[[people]]\nid = \"tina\"\nname = \"Name of tina\"\nrole = \"team_lead\"\nphone = "
      "\"+447700900010\"\nregions = [\"groningen\"]\npassword_argon2 = \"" +
      hash + "\"\n\n";
  return "[secrets]\ndir = \"" + secrets_dir.string() +
         "\"\n[kannel]\nusername = \"u\"\n[rota]\nfile = \"rota.toml\"\n"
         "[[regions]]\nid = \"groningen\"\nname = \"Groningen\"\n\n" +
         people;
}

class WebOnCluster : public ::testing::Test {
 protected:
  WebOnCluster()
      : cluster_("piket-web-wait"),
        hash_(hash_password(kPassword, {1, 8 * 1024, 1})),
        config_(with_cluster(
            config::parse_config(config_text(cluster_.secrets_dir(), hash_), "cluster-web.toml"))),
        clock_(*common::parse_rfc3339("2026-11-22T12:00:00Z")),
        real_(*common::parse_rfc3339("2026-11-22T12:00:00Z")),
        pool_(config_.redis),
        metrics_("web"),
        rota_(rota::parse_rota_file(
                  test::small_rota_file(
                      {.primary = {"anna", "bert"}, .team_lead = "tina", .start = "2026-01-05"}),
                  "rota.toml", config_.people),
              pool_),
        backend_(config_, config_.deadlines, config_.reply_code_window(),
                 config_.notify.push_stream_maxlen, config_.redis, pool_, clock_, real_),
        api_(WebDeps{config_.web,
                     config_,
                     config_,
                     config_.caseload,
                     config_.dispatch.http,
                     config_.partners.size(),
                     clock_,
                     real_,
                     pool_,
                     metrics_,
                     hub_,
                     rota_,
                     backend_,
                     nullptr,
                     {}}) {}

  config::Config with_cluster(config::Config c) {
    c.redis = cluster_.config_as("web");
    c.redis.min_replicas = 1;
    c.redis.replica_wait = common::Millis{300};
    return c;
  }

  // anna's case, accepted through ingest's own script, and dispatch's page to her.
  std::string seed() {
    const std::string body = R"({"reference":"R-1","kind":"home_ban","region":"groningen",
      "reported_at":"2026-11-22T12:30:00+01:00","household":"hh-1",
      "home_ban":{"starts_at":"2026-11-22T12:00:00+01:00","ends_at":"2026-12-02T12:00:00+01:00"}})";
    auto v = ingest::validate_incident(body, {"groningen"});
    const auto& req = std::get<ingest::IncidentRequest>(v);
    ingest::RedisIncidentStore incidents(cluster_.config_as("ingest"), common::Millis{1000},
                                         nullptr);
    ingest::NewIncident n;
    n.partner = "police";
    n.request = &req;
    n.body_hash = "h";
    n.accepted_at = clock_.now();
    n.transport_now = clock_.now();
    const auto out = incidents.store(n);
    common::RedisConnection ops(cluster_.config());
    ops.command({"HSET", store::case_key(out.case_id), "casemanager", "anna"});
    ops.command({"SADD", store::caseload_key("anna"), out.case_id});
    ops.command({"HSET", store::page_key(kPage), "case", out.case_id, "incident", out.incident_id,
                 "person", "anna", "to", "+447700900001", "state", "accepted", "rule", "on_call",
                 "created_at", "1795000000100", "ack_code", "123456"});
    ops.command({"SET", store::ackcode_key("anna", "123456"), kPage});
    ops.command({"WAIT", "2", "2000"});
    return out.case_id;
  }

  struct Answer {
    int status = 0;
    std::string body, retry_after;
  };
  Answer call(const std::string& method, const std::string& path, const std::string& body = {}) {
    common::HttpRequest r;
    r.method = method;
    r.target = r.path = path;
    r.body = body;
    r.remote = "10.1.2.3";
    r.headers.emplace_back("host", "piket.test");
    if (method == "POST") r.headers.emplace_back("content-type", "application/json");
    if (!cookie_.empty()) {
      r.headers.emplace_back("cookie", cookie_);
      r.headers.emplace_back("x-csrf-token", csrf_);
    }
    const auto reply = api_.handle(r);
    Answer a{reply.response.status, reply.response.body, {}};
    for (const auto& [k, v] : reply.response.headers)
      if (k == "Retry-After") a.retry_after = v;
    return a;
  }
  void login(const std::string& person) {
    common::HttpRequest r;
    r.method = "POST";
    r.target = r.path = "/api/login";
    r.body = R"({"person":")" + person + R"(","password":")" + std::string(kPassword) + "\"}";
    r.remote = "10.1.2.3";
    r.headers = {{"host", "piket.test"}, {"content-type", "application/json"}};
    const auto reply = api_.handle(r);
    ASSERT_EQ(reply.response.status, 200) << reply.response.body;
    for (const auto& [k, v] : reply.response.headers)
      if (k == "Set-Cookie") cookie_ = v.substr(0, v.find(';'));
    csrf_ = std::string(json::parse(reply.response.body).as_object().at("csrf").as_string());
  }
  std::string on_primary(const std::vector<std::string>& command) {
    common::RedisConnection c(cluster_.node_config(0));
    return c.command(command).str;
  }
  long long timeline_length(const std::string& case_id) {
    common::RedisConnection c(cluster_.node_config(0));
    return c.command({"LLEN", store::case_timeline_key(case_id)}).integer;
  }
  // Both replicas frozen: still connected as far as the primary knows, acknowledging nothing.
  void freeze_replicas(bool frozen) {
    for (int i : {1, 2})
      if (cluster_.node(i).running() && cluster_.node(i).pid() > 0)
        ::kill(cluster_.node(i).pid(), frozen ? SIGSTOP : SIGCONT);
  }
  ~WebOnCluster() override { freeze_replicas(false); }  // also after a failure

  RedisCluster cluster_;
  std::string hash_;
  config::Config config_;
  common::SimulatedClock clock_;  // domain time: events
  common::SimulatedClock real_;   // sessions, audit
  common::RedisPool pool_;
  common::Metrics metrics_;
  LiveHub hub_;
  FileRotaSource rota_;
  ServiceBackend backend_;
  WebApi api_;
  std::string cookie_, csrf_;
};

TEST_F(WebOnCluster, WithoutReplicasAChangeIsRefusedWholeAndWithFrozenOnesItIsNotConfirmed) {
  const auto case_id = seed();
  login("anna");
  clock_.advance(30min);
  const auto events_before = timeline_length(case_id);

  // No replica connected: refused before anything is written.
  cluster_.stop_node(1);
  cluster_.stop_node(2);
  cluster_.wait_for_replicas(0, 0, 5s);
  auto a = call("POST", "/api/pages/" + kPage + "/ack", "{}");
  EXPECT_EQ(a.status, 503) << a.body;
  EXPECT_NE(a.body.find("not_replicated"), std::string::npos) << a.body;
  EXPECT_NE(a.body.find("nothing was changed"), std::string::npos) << a.body;
  EXPECT_EQ(a.retry_after, "1");
  EXPECT_EQ(on_primary({"HGET", store::page_key(kPage), "state"}), "accepted")
      << "a refused acknowledgement changed the page";
  a = call("POST", "/api/cases/" + case_id + "/events", R"({"type":"first_contact"})");
  EXPECT_EQ(a.status, 503) << a.body;
  EXPECT_NE(a.body.find("not_replicated"), std::string::npos) << a.body;
  EXPECT_EQ(timeline_length(case_id), events_before) << "a refused event was recorded";
  a = call("POST", "/api/calendar/tokens", "{}");
  EXPECT_EQ(a.status, 503) << a.body;
  EXPECT_EQ(call("GET", "/readyz").status, 503);
  EXPECT_EQ(call("GET", "/healthz").status, 200);

  // Replicas back, then frozen: the change is made on the primary, not confirmed.
  cluster_.start_node(1, 0);
  cluster_.start_node(2, 0);
  cluster_.wait_for_replicas(0, 2, 10s);
  freeze_replicas(true);
  a = call("POST", "/api/pages/" + kPage + "/ack", "{}");
  EXPECT_EQ(a.status, 503) << a.body;
  EXPECT_NE(a.body.find("not_replicated"), std::string::npos) << a.body;
  EXPECT_NE(a.body.find("recorded but not yet confirmed"), std::string::npos) << a.body;
  EXPECT_EQ(on_primary({"HGET", store::page_key(kPage), "state"}), "acknowledged")
      << "on the primary, not promised";
  const auto acknowledged = timeline_length(case_id);
  a = call("POST", "/api/cases/" + case_id + "/events", R"({"type":"first_contact"})");
  EXPECT_EQ(a.status, 503) << a.body;
  EXPECT_NE(a.body.find("not_replicated"), std::string::npos) << a.body;
  EXPECT_EQ(timeline_length(case_id), acknowledged + 1) << "recorded on the primary";
  EXPECT_EQ(on_primary({"HGET", store::case_key(case_id), "phase"}), "first_contact");

  // Going again: the same acknowledgement is confirmed (200), and replicas have it.
  freeze_replicas(false);
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  a = call("POST", "/api/pages/" + kPage + "/ack", "{}");
  while (a.status == 503 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    a = call("POST", "/api/pages/" + kPage + "/ack", "{}");
  }
  EXPECT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(call("GET", "/readyz").status, 200);
  a = call("POST", "/api/calendar/tokens", "{}");
  EXPECT_EQ(a.status, 201) << a.body;
  // What min_replicas = 1 promises: a replica has the acknowledgement and the event (the other
  // may still be catching up).
  int replicas_with_both = 0;
  for (int i : {1, 2}) {
    common::RedisConnection replica(cluster_.node_config(i));
    replicas_with_both +=
        replica.command({"HGET", store::page_key(kPage), "state"}).str == "acknowledged" &&
        replica.command({"LLEN", store::case_timeline_key(case_id)}).integer == acknowledged + 1;
  }
  EXPECT_GE(replicas_with_both, 1);
}

// With the primary's own min-replicas-to-write (docs/availability.md) the refusal cannot even be
// audited — Redis refuses that write too — and the answer is still 503 not_replicated with
// nothing written at all.
TEST_F(WebOnCluster, WithMinReplicasToWriteOnThePrimaryNothingIsWrittenAtAll) {
  seed();
  login("anna");
  common::RedisConnection primary(cluster_.node_config(0));
  primary.command({"CONFIG", "SET", "min-replicas-to-write", "1"});
  cluster_.stop_node(1);
  cluster_.stop_node(2);
  cluster_.wait_for_replicas(0, 0, 5s);
  // The primary notices the replicas are gone (min-replicas-max-lag) before it refuses.
  for (const auto until = std::chrono::steady_clock::now() + 15s;
       std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(100ms)) {
    try {
      primary.command({"SET", "web-cluster-probe", "1"});
    } catch (const common::RedisNoReplicasError&) {
      break;
    }
  }
  const auto audit = primary.command({"LLEN", std::string(store::kAuditLog)}).integer;
  const auto a = call("POST", "/api/pages/" + kPage + "/ack", "{}");
  EXPECT_EQ(a.status, 503) << a.body;
  EXPECT_NE(a.body.find("not_replicated"), std::string::npos) << a.body;
  EXPECT_EQ(a.retry_after, "1");
  EXPECT_EQ(on_primary({"HGET", store::page_key(kPage), "state"}), "accepted");
  EXPECT_EQ(primary.command({"LLEN", std::string(store::kAuditLog)}).integer, audit);
}

}  // namespace
}  // namespace piket::web
