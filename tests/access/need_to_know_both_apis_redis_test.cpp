// One need-to-know rule, two APIs (label redis): the same callers against the
// web app (services/web) and the case API (services/cases) over one Redis,
// for one case — its casemanager, the region's team lead, people paged for it
// in every state a page can be in, someone never paged, another region's team
// lead and an admin. Both APIs must answer alike, and as the rule says.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>

#include "fake_case_backend.hpp"
#include "piket/access/calendar_tokens.hpp"
#include "piket/cases/cases_api.hpp"
#include "piket/cases/staff.hpp"
#include "piket/common/crypto.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/time_format.hpp"
#include "piket/config/config.hpp"
#include "piket/ingest/canonical_json.hpp"
#include "piket/ingest/redis_incident_store.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/page.hpp"
#include "piket/web/file_rota_source.hpp"
#include "piket/web/password.hpp"
#include "piket/web/web_api.hpp"
#include "private_redis.hpp"

namespace piket::access {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
constexpr const char* kPassword = "password-of-the-matrix";
const common::Instant kNow = *common::parse_rfc3339("2026-11-22T12:00:00Z");

struct Caller {
  const char* id;
  const char* role;
  const char* region;
  bool read, record, reassign;  // what the rule allows
};

// Everyone, and what they may do with the case (casemanager anna, groningen).
const std::vector<Caller> kCallers{
    {"anna", "casemanager", "groningen", true, true, false},    // its casemanager
    {"bert", "casemanager", "groningen", true, false, false},   // paged 1 h ago, unanswered
    {"carl", "casemanager", "groningen", true, false, false},   // acknowledged 2 h ago
    {"dora", "casemanager", "groningen", false, false, false},  // acknowledged 13 h ago
    {"eva", "casemanager", "groningen", false, false, false},   // declined
    {"fred", "casemanager", "groningen", false, false, false},  // stood down: a colleague took it
    {"gina", "casemanager", "groningen", false, false, false},  // never paged
    {"hugo", "casemanager", "groningen", false, false, false},  // only informed
    {"ivo", "casemanager", "groningen", false, false, false},   // paged 13 h ago, never answered
    {"tina", "team_lead", "groningen", true, true, true},       // the region's team lead
    {"dirk", "team_lead", "drenthe", false, false, false},      // another region's
    {"ops", "admin", "groningen", false, false, false},         // admin
};

std::string staff_token(const std::string& id) {
  return "staff-token-of-" + id;
}

std::string config_text(std::uint16_t port, const std::string& hash) {
  std::string t = "[redis]\naddress = \"127.0.0.1:" + std::to_string(port) +
                  "\"\n[kannel]\nusername = \"u\"\n[[regions]]\nid = \"groningen\"\n"
                  "[[regions]]\nid = \"drenthe\"\n[rota]\nfile = \"rota.toml\"\n\n";
  int n = 0;
  for (const auto& c : kCallers)
    t += std::string("[[people]]\nid = \"") + c.id + "\"\nname = \"Name " + c.id + "\"\nrole = \"" +
         c.role + "\"\nphone = \"+4477009001" + std::to_string(10 + n++) + "\"\nregions = [\"" +
         c.region + "\"]\npassword_argon2 = \"" + hash + "\"\ntoken_sha256 = \"" +
         common::sha256_hex(staff_token(c.id)) + "\"\n\n";
  return t;
}

class NeedToKnowBothApis : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = new ::piket::test::PrivateRedis("piket-need-to-know");
    hash_ = new std::string(web::hash_password(kPassword, {1, 8 * 1024, 1}));
  }
  static void TearDownTestSuite() {
    delete redis_;
    delete hash_;
  }

  NeedToKnowBothApis()
      : config_(with_ops(
            config::parse_config(config_text(redis_->config().address.port, *hash_), "t.toml"))),
        domain_(kNow),
        real_(kNow),
        pool_(config_.redis),
        conn_(config_.redis),
        staff_(config_),
        rules_{config_.deadlines, staff_, config_.reply_code_window()},
        store_(config_.redis),
        rota_(rota::RotaDefinition{}, pool_) {  // no rota: the rules do not look at it
    conn_.command({"FLUSHALL"});
    case_id_ = open_case();
    cases_ = std::make_unique<cases::CasesApi>(cases::CasesApiDeps{
        config_.redis, config_, config_.bearer_tokens(), domain_, store_, rules_, metrics_, {}});
    web_ = std::make_unique<web::WebApi>(web::WebDeps{config_.web,
                                                      config_,
                                                      config_,
                                                      config_.caseload,
                                                      config_.dispatch.http,
                                                      config_.partners.size(),
                                                      domain_,
                                                      real_,
                                                      pool_,
                                                      metrics_,
                                                      hub_,
                                                      rota_,
                                                      backend_,
                                                      nullptr,
                                                      {}});
  }

  // Both APIs connect as the private Redis's "ops" user: this test is about the
  // need-to-know rule, not the ACL (tests/support/redis_security_test.cpp).
  static config::Config with_ops(config::Config c) {
    c.redis = redis_->config();
    return c;
  }

  // A case opened by ingest's own script, assigned to anna, with its pages.
  std::string open_case() {
    ingest::RedisIncidentStore incidents(config_.redis, 2000ms, nullptr);
    const auto body = json::parse(R"({"reference":"REF-1","kind":"code_red","region":"groningen",
        "reported_at":"2026-11-22T09:55:00+01:00","household":"hh-1",
        "persons":[{"role":"victim","name":"Zyxwa Qorvath","address":"Synthetic street 1"}]})");
    auto validated = ingest::validate_parsed_incident(body, {"groningen", "drenthe"});
    const auto& request = std::get<ingest::IncidentRequest>(validated);
    ingest::NewIncident n;
    n.partner = "police";
    n.request = &request;
    n.body_hash = ingest::idempotency_hash(request.stored);
    n.accepted_at = kNow - 14h;
    n.transport_now = kNow;
    const auto out = incidents.store(n);
    conn_.command({"HSET", store::case_key(out.case_id), "casemanager", "anna"});
    const auto ms = [](common::Instant t) { return std::to_string(common::to_epoch_ms(t)); };
    int k = 0;
    auto page = [&](const std::string& person, std::vector<std::string> fields,
                    const std::string& rule = "on_call") {
      const auto id = "P000000000000000" + std::to_string(k++);
      std::vector<std::string> cmd{"HSET",     store::page_key(id),
                                   "case",     out.case_id,
                                   "incident", out.incident_id,
                                   "person",   person,
                                   "rule",     rule};
      cmd.insert(cmd.end(), fields.begin(), fields.end());
      conn_.command(cmd);
      conn_.command({"RPUSH", store::case_timeline_key(out.case_id),
                     R"({"at":1,"type":"paged","person":")" + person + R"(","page":")" + id +
                         R"(","by":"dispatch"})"});
    };
    page("bert", {"state", "accepted", "created_at", ms(kNow - 1h)});
    page("carl",
         {"state", "acknowledged", "created_at", ms(kNow - 3h), "acknowledged_at", ms(kNow - 2h)});
    page("dora", {"state", "acknowledged", "created_at", ms(kNow - 14h), "acknowledged_at",
                  ms(kNow - 13h)});
    page("eva", {"state", "declined", "created_at", ms(kNow - 1h), "declined_at", ms(kNow - 1h)});
    page("fred", {"state", "cancelled", "created_at", ms(kNow - 1h), "cancelled_reason",
                  "answered_by_other"});
    page("hugo", {"state", "accepted", "created_at", ms(kNow - 1h)}, "inform");
    page("ivo", {"state", "accepted", "created_at", ms(kNow - 13h)});
    return out.case_id;
  }

  int case_api(const std::string& who, const std::string& method, const std::string& path,
               const std::string& body = {}) {
    common::HttpRequest r;
    r.method = method;
    r.target = r.path = path;
    r.headers.emplace_back("authorization", "Bearer " + staff_token(who));
    if (!body.empty()) r.headers.emplace_back("content-type", "application/json");
    r.body = body;
    return cases_->handle(r).status;
  }

  struct Session {
    std::string cookie, csrf;
  };
  Session sign_in(const std::string& who) {
    common::HttpRequest r;
    r.method = "POST";
    r.target = r.path = "/api/login";
    r.remote = "10.1.2.3";
    r.headers = {{"host", "piket.test"}, {"content-type", "application/json"}};
    r.body = R"({"person":")" + who + R"(","password":")" + kPassword + R"("})";
    const auto a = web_->handle(r).response;
    EXPECT_EQ(a.status, 200) << who << " " << a.body;
    Session s;
    for (const auto& [k, v] : a.headers)
      if (k == "Set-Cookie") s.cookie = v.substr(0, v.find(';'));
    s.csrf = std::string(json::parse(a.body).as_object().at("csrf").as_string());
    return s;
  }
  common::HttpResponse web(const Session& s, const std::string& method, const std::string& path,
                           const std::string& body = {}) {
    common::HttpRequest r;
    r.method = method;
    r.target = r.path = path;
    r.remote = "10.1.2.3";
    r.headers = {{"host", "piket.test"}, {"cookie", s.cookie}, {"x-csrf-token", s.csrf}};
    if (method == "POST") r.headers.emplace_back("content-type", "application/json");
    r.body = body;
    return web_->handle(r).response;
  }

  static inline ::piket::test::PrivateRedis* redis_ = nullptr;
  static inline std::string* hash_ = nullptr;
  config::Config config_;
  common::SimulatedClock domain_;
  common::SimulatedClock real_;
  common::RedisPool pool_;
  common::RedisConnection conn_;
  common::Metrics metrics_{"need-to-know-test"};
  cases::StaffDirectory staff_;
  cases::EngineRules rules_;
  cases::RedisCaseStore store_;
  web::LiveHub hub_;
  web::FileRotaSource rota_;
  web::fakes::FakeCaseBackend backend_;
  std::string case_id_;
  std::unique_ptr<cases::CasesApi> cases_;
  std::unique_ptr<web::WebApi> web_;
};

TEST_F(NeedToKnowBothApis, EveryCallerGetsTheSameAnswerFromTheWebAppAndTheCaseApi) {
  const auto path_web = "/api/cases/" + case_id_;
  const auto path_api = "/v1/cases/" + case_id_;
  for (const auto& c : kCallers) {
    SCOPED_TRACE(c.id);
    const auto s = sign_in(c.id);
    // Read: 200 with the person data, or 403 without it.
    const auto w = web(s, "GET", path_web);
    const int api = case_api(c.id, "GET", path_api);
    EXPECT_EQ(w.status, c.read ? 200 : 403) << w.body;
    EXPECT_EQ(api, c.read ? 200 : 403);
    EXPECT_EQ(case_api(c.id, "GET", path_api + "/timeline"), c.read ? 200 : 403);
    EXPECT_EQ(w.body.find("Zyxwa") != std::string::npos, c.read);
    // Record: the body is wrong on purpose — allowed callers reach the
    // event's validation (422), refused ones are stopped before it (403).
    EXPECT_EQ(web(s, "POST", path_web + "/events", R"({"type":"no_such_type"})").status,
              c.record ? 422 : 403);
    EXPECT_EQ(case_api(c.id, "POST", path_api + "/events", R"({"type":"no_such_type"})"),
              c.record ? 422 : 403);
    // Reassign, to nobody: 422 past the rule, 403 before it.
    EXPECT_EQ(web(s, "POST", path_web + "/reassign", R"({"to":"nobody"})").status,
              c.reassign ? 422 : 403);
    EXPECT_EQ(case_api(c.id, "POST", path_api + "/events",
                       R"({"type":"reassigned","casemanager":"nobody"})"),
              c.reassign ? 422 : 403);
  }
  EXPECT_TRUE(backend_.calls.empty()) << "nothing was recorded";
}

TEST_F(NeedToKnowBothApis, WhenTheResponderWindowEndsBothApisCloseTogether) {
  const auto bert = sign_in("bert");
  const auto carl = sign_in("carl");
  domain_.advance(10h);  // bert's page: 11 h old; carl's acknowledgement: 12 h old
  EXPECT_EQ(web(bert, "GET", "/api/cases/" + case_id_).status, 200);
  EXPECT_EQ(case_api("bert", "GET", "/v1/cases/" + case_id_), 200);
  EXPECT_EQ(web(carl, "GET", "/api/cases/" + case_id_).status, 403);
  EXPECT_EQ(case_api("carl", "GET", "/v1/cases/" + case_id_), 403);
  domain_.advance(1h);
  EXPECT_EQ(web(bert, "GET", "/api/cases/" + case_id_).status, 403);
  EXPECT_EQ(case_api("bert", "GET", "/v1/cases/" + case_id_), 403);
}

TEST_F(NeedToKnowBothApis, ACalendarTokenOpensNeitherApi) {
  const auto made = CalendarTokens(conn_).create("anna", "anna", kNow);
  ASSERT_TRUE(made);
  common::HttpRequest r;
  r.method = "GET";
  r.target = r.path = "/v1/cases/" + case_id_;
  r.headers.emplace_back("authorization", "Bearer " + made->token);
  EXPECT_EQ(cases_->handle(r).status, 401);
  EXPECT_EQ(
      web({"__Host-piket_session=" + made->token, "x"}, "GET", "/api/cases/" + case_id_).status,
      401);
  EXPECT_EQ(case_api("anna", "GET", "/v1/cases/" + case_id_), 200) << "her staff token does";
}

}  // namespace
}  // namespace piket::access
