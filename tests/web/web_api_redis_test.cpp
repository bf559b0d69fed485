// The web API against a real redis-server: sign-in, sessions, CSRF, lock-out,
// and need-to-know over every API route — each refusal audited — plus the
// audit chain that `piket-audit verify` checks, and the live event stream.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <latch>
#include <sstream>
#include <thread>

#include "fake_case_backend.hpp"
#include "piket/access/calendar_tokens.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/time_format.hpp"
#include "piket/config/config.hpp"
#include "piket/dispatch/override_store.hpp"
#include "piket/push/base64url.hpp"
#include "piket/push/subscription.hpp"
#include "piket/rota/rota_file.hpp"
#include "piket/store/audit.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/delivery.hpp"
#include "piket/store/family_contact.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/page.hpp"
#include "piket/store/session.hpp"
#include "piket/store/webpush.hpp"
#include "piket/web/audit_log.hpp"
#include "piket/web/file_rota_source.hpp"
#include "piket/web/labels.hpp"
#include "piket/web/live_updates.hpp"
#include "piket/web/password.hpp"
#include "piket/web/refusal_tally.hpp"
#include "piket/web/session_store.hpp"
#include "piket/web/web_api.hpp"
#include "private_redis.hpp"
#include "small_rota.hpp"

namespace piket::web {
namespace {

namespace json = boost::json;
constexpr const char* kPassword = "password-of-test-1";
const std::string kCaseA = "C0000000A";  // anna's
const std::string kCaseB = "C0000000B";  // bert's
const std::string kPageA = "P00000000000000A1";
const std::string kPageB = "P00000000000000B1";
const std::string kPageLead = "P00000000000000E1";

// The [rota] table names a file the API never reads: the tests hand the web
// app the rota of kRota (FileRotaSource from its text).
std::string config_text(std::uint16_t redis_port, const std::string& hash,
                        const std::filesystem::path& secrets_dir,
                        const std::string& rota_table = "[rota]\nfile = \"rota.toml\"\n") {
  std::string people;
  auto person = [&](const char* id, const char* role, const char* phone, const char* region) {
    people += std::string("[[people]]\nid = \"") + id + "\"\nname = \"Name of " + id +
              "\"\nrole = \"" + role + "\"\nphone = \"" + phone + "\"\nregions = [\"" + region +
              "\"]\npassword_argon2 = \"" + hash + "\"\n\n";
  };
  person("anna", "casemanager", "+447700900001", "groningen");
  person("bert", "casemanager", "+447700900002", "groningen");
  person("tina", "team_lead", "+447700900010", "groningen");
  person("dirk", "team_lead", "+447700900030", "drenthe");
  person("ops", "admin", "+447700900099", "groningen");
  return "[secrets]\ndir = \"" + secrets_dir.string() +
         "\"\n[redis]\naddress = \"127.0.0.1:" + std::to_string(redis_port) +
         "\"\n[kannel]\nusername = \"u\"\n"
         "[web]\nmax_failures = 3\nremote_max_failures = 10\nmax_delay_seconds = 8\n"
         "session_idle_minutes = 30\ntrusted_proxies = [\"10.0.0.1\"]\n\n"
         "[[regions]]\nid = \"groningen\"\nname = \"Groningen\"\n[[regions]]\nid = "
         "\"drenthe\"\n\n" +
         people + rota_table;
}

// anna and bert a day each from Monday 5 January 08:00 (bert on 22 November),
// team lead tina; no backup layer.
std::string rota_text() {
  return ::piket::test::small_rota_file(
      {.primary = {"anna", "bert"}, .team_lead = "tina", .start = "2026-01-05"});
}

class WebApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = new ::piket::test::PrivateRedis("piket-web-api");
    hash_ = new std::string(hash_password(kPassword, {1, 8 * 1024, 1}));
  }
  static void TearDownTestSuite() {
    delete redis_;
    delete hash_;
  }

  WebApiTest()
      : config_(with_redis(config::parse_config(
            config_text(redis_->config().address.port, *hash_, redis_->secrets_dir()), "t.toml"))),
        domain_(*common::parse_rfc3339("2026-11-22T12:00:00Z")),
        real_(*common::parse_rfc3339("2026-11-22T12:00:00Z")),
        pool_(config_.redis),
        metrics_("web-test"),
        rota_(rota::parse_rota_file(rota_text(), "rota.toml", config_.people), pool_) {
    redis().command({"FLUSHALL"});
    seed();
    api_ = make_api();
  }

  // The web app over the fixture's stores; with a VAPID public key, Web Push is on.
  std::unique_ptr<WebApi> make_api(std::string vapid_public_key = {}) {
    return std::make_unique<WebApi>(WebDeps{config_.web,
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
                                            {},
                                            std::move(vapid_public_key)});
  }

  // The test's own reads and writes: Redis user "ops".
  common::RedisConnection redis() { return common::RedisConnection(redis_->config()); }
  // The web library connects as Redis user "web", as piket-web does.
  static config::Config with_redis(config::Config c) {
    redis_->use_as(c, "web");
    return c;
  }

  void seed_case(const std::string& id, const std::string& cm, const std::string& page,
                 const std::string& incident) {
    auto r = redis();
    r.command({"HSET", store::case_key(id), "region", "groningen", "partner", "police", "household",
               "hh-1", "opened_at", "1795000000000", "phase", "registered", "state", "open",
               "casemanager", cm});
    r.command({"SADD", std::string(store::kCasesOpen), id});
    r.command({"SADD", store::caseload_key(cm), id});
    r.command(
        {"HSET", store::incident_key(incident), "kind", "home_ban", "reported_at", "1795000000000",
         "accepted_at", "1795000000000", "body",
         R"({"persons":[{"role":"victim","name":"Zyxwa Qorvath","phone":"+31687654321"}],"summary":"Synthetic summary of )" +
             id + R"("})"});
    r.command({"RPUSH", store::case_incidents_key(id), incident});
    r.command({"RPUSH", store::case_timeline_key(id),
               R"({"at":1795000000000,"type":"incident_accepted","incident":")" + incident +
                   R"(","kind":"home_ban","by":"partner:police"})"});
    r.command({"RPUSH", store::case_timeline_key(id),
               R"({"at":1795000000100,"type":"paged","incident":")" + incident + R"(","person":")" +
                   cm + R"(","rule":"on_call","page":")" + page + R"(","by":"dispatch"})"});
    r.command({"HSET", store::page_key(page), "case", id, "incident", incident, "person", cm,
               "state", "accepted", "rule", "on_call", "created_at", "1795000000100"});
  }

  void seed() {
    seed_case(kCaseA, "anna", kPageA, "I000000000000000A");
    seed_case(kCaseB, "bert", kPageB, "I000000000000000B");
    backend_.clock_table.push_back({kCaseA, "plan", "Plan of action (12 h)",
                                    domain_.now() + std::chrono::hours{3}, "running", "anna",
                                    "I000000000000000A", "code_red", domain_.now()});
    backend_.escalation_table.push_back(
        {kPageLead, kCaseB, "groningen", "plan", "Plan overdue", domain_.now(), "tina"});
  }

  struct Answer {
    int status = 0;
    std::string body;
    std::string set_cookie;
    std::string retry_after;
    std::string allow;
    json::value json() const { return json::parse(body); }
  };

  struct Login {
    std::string cookie;  // "name=value"
    std::string csrf;
  };

  Answer call(const std::string& method, const std::string& target, const std::string& body = {},
              const Login* who = nullptr, bool with_csrf = true, std::string origin = {},
              const std::string& remote = "10.1.2.3",
              const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    common::HttpRequest r;
    r.method = method;
    r.target = target;
    const auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.body = body;
    r.remote = remote;
    r.headers.emplace_back("host", "piket.test");
    if (method == "POST") r.headers.emplace_back("content-type", "application/json");
    if (!origin.empty()) r.headers.emplace_back("origin", origin);
    if (who) {
      r.headers.emplace_back("cookie", who->cookie);
      if (with_csrf) r.headers.emplace_back("x-csrf-token", who->csrf);
    }
    r.headers.insert(r.headers.end(), headers.begin(), headers.end());
    auto reply = api_->handle(r);
    Answer a{reply.response.status, reply.response.body, {}, {}, {}};
    if (reply.stream) a.status = 1000;  // an event stream was opened
    for (const auto& [k, v] : reply.response.headers) {
      if (k == "Set-Cookie") a.set_cookie = v;
      if (k == "Retry-After") a.retry_after = v;
      if (k == "Allow") a.allow = v;
    }
    return a;
  }

  Answer sign_in(const std::string& person, const std::string& password,
                 const std::string& remote = "10.1.2.3") {
    return call("POST", "/api/login",
                R"({"person":")" + person + R"(","password":")" + password + R"("})", nullptr, true,
                {}, remote);
  }

  // A counter of the service's /metrics: the sum of the series named `name`
  // whose labels include `label` (0 when there is none).
  double metric(const std::string& name, const std::string& label = {}) {
    common::HttpRequest r;
    r.method = "GET";
    r.target = r.path = "/metrics";
    std::istringstream text(api_->handle(r).response.body);
    double sum = 0;
    for (std::string line; std::getline(text, line);) {
      if (line.rfind(name + "{", 0) != 0 && line.rfind(name + " ", 0) != 0) continue;
      if (!label.empty() && line.find(label) == std::string::npos) continue;
      sum += std::stod(line.substr(line.rfind(' ') + 1));
    }
    return sum;
  }

  Login login(const std::string& person, const std::string& password = kPassword) {
    auto a = call("POST", "/api/login",
                  R"({"person":")" + person + R"(","password":")" + password + R"("})");
    EXPECT_EQ(a.status, 200) << a.body;
    Login l;
    l.cookie = a.set_cookie.substr(0, a.set_cookie.find(';'));
    l.csrf = std::string(a.json().as_object().at("csrf").as_string());
    return l;
  }

  std::optional<ParsedEntry> last_audit() {
    auto r = redis().command({"LRANGE", std::string(store::kAuditLog), "-1", "-1"});
    if (r.elements.empty()) return std::nullopt;
    return parse_entry(r.elements[0].str);
  }
  long long audit_length() {
    return redis().command({"LLEN", std::string(store::kAuditLog)}).integer;
  }

  // POST `body` to `path` as `who`: a 422 naming `field`.
  void expect_refused_at(const std::string& path, const std::string& body, const Login& who,
                         const std::string& field) {
    const auto r = call("POST", path, body, &who);
    EXPECT_EQ(r.status, 422) << body;
    if (r.status == 422) {
      EXPECT_EQ(r.json().at("error").at("field").as_string(), field) << body;
    }
  }

  void expect_refusal_audited(const std::string& who, const std::string& action,
                              const std::string& target) {
    auto e = last_audit();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->record.outcome, "refused");
    EXPECT_EQ(e->record.who, who);
    EXPECT_EQ(e->record.action, action);
    if (!target.empty()) {
      EXPECT_EQ(e->record.target, target);
    }
    EXPECT_EQ(e->record.from, "10.1.2.3");
  }

  static ::piket::test::PrivateRedis* redis_;
  static std::string* hash_;
  config::Config config_;
  common::SimulatedClock domain_;
  common::SimulatedClock real_;
  common::RedisPool pool_;
  common::Metrics metrics_;
  LiveHub hub_;
  FileRotaSource rota_;
  fakes::FakeCaseBackend backend_;
  std::unique_ptr<WebApi> api_;
};

::piket::test::PrivateRedis* WebApiTest::redis_ = nullptr;
std::string* WebApiTest::hash_ = nullptr;

// An Amsterdam wall-clock time in winter ("2026-11-30T10:00") as epoch ms, as text.
std::string amsterdam_ms(const std::string& local) {
  return std::to_string(common::to_epoch_ms(*common::parse_rfc3339(local + ":00+01:00")));
}

struct Route {
  const char* method;
  std::string target;
  const char* action;
  const char* body;
};

std::vector<Route> every_route() {
  return {
      {"GET", "/api/session", "session.read", ""},
      {"GET", "/api/events", "events.open", ""},
      {"GET", "/api/board?region=groningen", "board.read", ""},
      {"GET", "/api/charts?region=groningen", "charts.read", ""},
      {"GET", "/api/my", "cases.list", ""},
      {"GET", "/api/cases/" + kCaseA, "case.read", ""},
      {"POST", "/api/cases/" + kCaseA + "/events", "case.event", R"({"type":"first_contact"})"},
      {"POST", "/api/cases/" + kCaseA + "/reassign", "case.reassign", R"({"to":"bert"})"},
      {"POST", "/api/cases/" + kCaseA + "/agreements", "case.agreement",
       R"({"who":"family","category":"appointment","text":"x","track":"victim","due_local":"2026-11-30T10:00"})"},
      {"POST", "/api/cases/" + kCaseA + "/agreements/state", "case.agreement_state",
       R"({"agreement":"A1","state":"done"})"},
      {"POST", "/api/cases/" + kCaseA + "/tracks", "case.track",
       R"({"track":"victim","type":"first_contact"})"},
      {"POST", "/api/pages/" + kPageA + "/ack", "page.ack", "{}"},
      {"POST", "/api/pages/" + kPageA + "/decline", "page.decline", "{}"},
      {"POST", "/api/escalations/" + kPageLead + "/ack", "escalation.ack", "{}"},
      {"POST", "/api/rota/overrides", "rota.override",
       R"({"region":"groningen","replaces":"anna","person":"bert","reason":"sickness","until_local":"2026-11-24T12:00"})"},
      {"GET", "/api/admin/overview", "admin.read", ""},
      {"POST", "/api/admin/audit/verify", "audit.verify", "{}"},
      {"POST", "/api/logout", "logout", "{}"}};
}

TEST_F(WebApiTest, EveryRouteRefusesWithoutASessionAndTheMinutesTallyIsAudited) {
  const auto before = audit_length();
  for (const auto& r : every_route()) {
    SCOPED_TRACE(r.target);
    const auto a = call(r.method, r.target, r.body);
    EXPECT_EQ(a.status, 401) << a.body;
  }
  // A made-up session cookie is no better.
  Login fake{"__Host-piket_session=" + std::string(43, 'x'), "x"};
  EXPECT_EQ(call("GET", "/api/cases/" + kCaseA, "", &fake).status, 401);
  EXPECT_TRUE(backend_.calls.empty()) << "nothing reached the owning services";
  const auto refused = static_cast<long long>(every_route().size()) + 1;
  EXPECT_EQ(metric("piket_web_unauthenticated_total", "outcome=\"refused\""), refused);
  // Counted, not yet written: the minute has not ended.
  EXPECT_EQ(audit_length(), before);
  EXPECT_EQ(api_->write_refusal_tally(), 0u);
  real_.advance(std::chrono::minutes{1});
  EXPECT_EQ(api_->write_refusal_tally(), 1u);
  EXPECT_EQ(audit_length(), before + 1);
  expect_refusal_audited("-", "unauthenticated", "");
  EXPECT_EQ(last_audit()->record.reason,
            std::to_string(refused) + " requests refused without a session");
  EXPECT_EQ(api_->write_refusal_tally(), 0u) << "each minute is written once";
  auto lease = pool_.lease();
  EXPECT_TRUE(verify_audit_log(*lease).ok());
}

TEST_F(WebApiTest, ACasemanagerCannotReadOrTouchAnotherCasemanagersCase) {
  const auto bert = login("bert");
  auto a = call("GET", "/api/cases/" + kCaseA, "", &bert);
  EXPECT_EQ(a.status, 403);
  EXPECT_EQ(a.body.find("Zyxwa"), std::string::npos) << "no person data in a refusal";
  expect_refusal_audited("bert", "case.read", kCaseA);
  a = call("POST", "/api/cases/" + kCaseA + "/events", R"({"type":"first_contact"})", &bert);
  EXPECT_EQ(a.status, 403);
  expect_refusal_audited("bert", "case.event", kCaseA);
  a = call("POST", "/api/pages/" + kPageA + "/ack", "{}", &bert);
  EXPECT_EQ(a.status, 403);
  expect_refusal_audited("bert", "page.ack", kPageA);
  a = call("POST", "/api/cases/" + kCaseA + "/reassign", R"({"to":"bert"})", &bert);
  EXPECT_EQ(a.status, 403);
  expect_refusal_audited("bert", "case.reassign", kCaseA);
  a = call("GET", "/api/board?region=groningen", "", &bert);
  EXPECT_EQ(a.status, 403);
  expect_refusal_audited("bert", "board.read", "groningen");
  a = call("GET", "/api/admin/overview", "", &bert);
  EXPECT_EQ(a.status, 403);
  expect_refusal_audited("bert", "admin.read", "admin");
  EXPECT_TRUE(backend_.calls.empty());
  // …and their own case is theirs, with its person data, and audited as read.
  a = call("GET", "/api/cases/" + kCaseB, "", &bert);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_NE(a.body.find("Zyxwa Qorvath"), std::string::npos);
  EXPECT_EQ(last_audit()->record.outcome, "allowed");
  EXPECT_EQ(last_audit()->record.action, "case.read");
  EXPECT_EQ(last_audit()->record.target, kCaseB);
}

// Tap-to-call for the persons of a case (issue 15): inside the case only, for
// whom the one access policy lets read it, the read audited as every case read;
// a number that is not one (letters, too short) gets no link. Never on the
// board or the person's list of cases.
TEST_F(WebApiTest, APersonsNumberIsATapToCallLinkInsideTheCaseOnlyAndTheReadIsAudited) {
  redis().command({"HSET", store::incident_key("I000000000000000A"), "body",
                   R"({"persons":[{"role":"victim","name":"Zyxwa Qorvath","phone":"+31687654321"},)"
                   R"({"role":"perpetrator","name":"Vorn Tesk","phone":"06-1234 5678"},)"
                   R"({"role":"child","name":"Ilq Tesk","phone":"geheim"}]})"});
  const auto anna = login("anna");
  auto a = call("GET", "/api/cases/" + kCaseA, "", &anna);
  ASSERT_EQ(a.status, 200) << a.body;
  const auto persons = a.json().at("persons").as_array();
  ASSERT_EQ(persons.size(), 3u);
  EXPECT_EQ(persons[0].at("role").as_string(), "victim");
  EXPECT_EQ(persons[0].at("tel").as_string(), "tel:+31687654321");
  EXPECT_EQ(persons[1].at("tel").as_string(), "tel:+31612345678");  // a Dutch national number
  EXPECT_EQ(persons[1].at("phone").as_string(), "06-1234 5678");    // as the partner wrote it
  EXPECT_EQ(persons[2].at("tel").as_string(), "");                  // not a number: no link
  EXPECT_EQ(last_audit()->record.action, "case.read");
  EXPECT_EQ(last_audit()->record.outcome, "allowed");
  EXPECT_EQ(last_audit()->record.who, "anna");
  EXPECT_EQ(last_audit()->record.target, kCaseA);
  // Refused to another casemanager: no number, no link; the refusal audited.
  const auto bert = login("bert");
  a = call("GET", "/api/cases/" + kCaseA, "", &bert);
  EXPECT_EQ(a.status, 403);
  for (const auto* secret : {"31687654321", "1234 5678", "tel:"})
    EXPECT_EQ(a.body.find(secret), std::string::npos) << secret;
  expect_refusal_audited("bert", "case.read", kCaseA);
  // Never outside the case: the board, the person's own list.
  const auto tina = login("tina");
  for (const auto& [who, path] : std::vector<std::pair<const Login*, std::string>>{
           {&tina, "/api/board?region=groningen"}, {&anna, "/api/my"}}) {
    a = call("GET", path, "", who);
    ASSERT_EQ(a.status, 200) << path;
    for (const auto* secret : {"31687654321", "612345678", "1234 5678", "tel:+31"})
      EXPECT_EQ(a.body.find(secret), std::string::npos) << path << " shows " << secret;
  }
}

TEST_F(WebApiTest, AnAdminSeesConfigurationButNoCaseContent) {
  const auto ops = login("ops");
  for (const auto& [target, action] : std::vector<std::pair<std::string, std::string>>{
           {"/api/cases/" + kCaseA, "case.read"},
           {"/api/my", "cases.list"},
           {"/api/board?region=groningen", "board.read"},
           {"/api/charts?region=groningen", "charts.read"}}) {
    SCOPED_TRACE(target);
    const auto a = call("GET", target, "", &ops);
    EXPECT_EQ(a.status, 403) << a.body;
    EXPECT_EQ(a.body.find("Zyxwa"), std::string::npos);
    expect_refusal_audited("ops", action, "");
  }
  auto a = call("POST", "/api/cases/" + kCaseA + "/events", R"({"type":"first_contact"})", &ops);
  EXPECT_EQ(a.status, 403);
  expect_refusal_audited("ops", "case.event", kCaseA);
  a = call("GET", "/api/admin/overview", "", &ops);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.body.find("Zyxwa"), std::string::npos);
  EXPECT_EQ(a.body.find("argon2"), std::string::npos) << "no password hashes leave the server";
  a = call("POST", "/api/admin/audit/verify", "{}", &ops);
  ASSERT_EQ(a.status, 200);
  EXPECT_TRUE(a.json().as_object().at("ok").as_bool());
}

TEST_F(WebApiTest, ATeamLeadSeesTheRegionsBoardWithoutPersonData) {
  const auto tina = login("tina");
  auto a = call("GET", "/api/board?region=groningen", "", &tina);
  ASSERT_EQ(a.status, 200) << a.body;
  const auto b = a.json().as_object();
  EXPECT_EQ(b.at("clocks").as_array().size(), 1u);
  EXPECT_EQ(b.at("escalations").as_array().size(), 1u);
  // The rota file's three layers of every region, primary first (backup is empty here).
  const auto& on_call = b.at("on_call").as_array();
  ASSERT_EQ(on_call.size(), 3u);
  EXPECT_EQ(on_call[0].as_object().at("layer").as_string(), "primary");
  EXPECT_EQ(on_call[1].as_object().at("layer").as_string(), "backup");
  EXPECT_EQ(on_call[2].as_object().at("layer").as_string(), "team_lead");
  EXPECT_EQ(b.at("caseload").as_array().size(), 2u);
  for (const auto* secret : {"Zyxwa", "Qorvath", "31687654321", "Synthetic summary", "hh-1"})
    EXPECT_EQ(a.body.find(secret), std::string::npos) << "the board leaks " << secret;
  EXPECT_EQ(last_audit()->record.action, "board.read");
  EXPECT_EQ(last_audit()->record.outcome, "allowed");
  // Another region's board is not theirs.
  a = call("GET", "/api/board?region=drenthe", "", &tina);
  EXPECT_EQ(a.status, 403);
  expect_refusal_audited("tina", "board.read", "drenthe");
  const auto dirk = login("dirk");
  a = call("GET", "/api/cases/" + kCaseA, "", &dirk);
  EXPECT_EQ(a.status, 403);
  expect_refusal_audited("dirk", "case.read", kCaseA);
}

// The board's fields the triage strip and the rows are made of, checked here
// and not only through the browser: the unanswered pages (id, case, person,
// time), an escalation's `why` (declined, unanswered, overdue), the on-call
// staff's numbers by layer (tap-to-call; staff only, from the configuration),
// and the overdue long clocks (evaluation, closing: on their own tab, counted
// in the strip's "overdue"); a long clock still running is not among them.
TEST_F(WebApiTest, TheBoardGivesTheTriageStripsFields) {
  const auto now = domain_.now();
  backend_.unanswered_table.push_back({kPageA, kCaseA, "anna", now - std::chrono::minutes{7}});
  backend_.escalation_table.push_back(
      {"P00000000000000E2", kCaseA, "groningen", "", "Page", now, "tina", "declined"});
  backend_.escalation_table[0].why = "overdue";
  // A case's own clocks answer no incident.
  const auto own = [](std::string id, std::string clock, common::Instant due, std::string state) {
    ClockView k;
    k.case_id = std::move(id);
    k.clock = std::move(clock);
    k.label = clock_label(k.clock);
    k.due_at = due;
    k.state = std::move(state);
    return k;
  };
  backend_.clock_table.push_back(
      own(kCaseA, "evaluation", now - std::chrono::hours{30}, "overdue"));
  backend_.clock_table.push_back(
      own(kCaseB, "closing", now + std::chrono::hours{24 * 200}, "running"));
  backend_.clock_table.push_back(own(kCaseB, "checkin", now - std::chrono::hours{2}, "overdue"));
  const auto tina = login("tina");
  const auto a = call("GET", "/api/board?region=groningen", "", &tina);
  ASSERT_EQ(a.status, 200) << a.body;
  const auto b = a.json().as_object();

  const auto& unanswered = b.at("unanswered").as_array();
  ASSERT_EQ(unanswered.size(), 1u);
  EXPECT_EQ(unanswered[0].at("id").as_string(), kPageA);
  EXPECT_EQ(unanswered[0].at("case").as_string(), kCaseA);
  EXPECT_EQ(unanswered[0].at("person").as_string(), "anna");
  EXPECT_EQ(unanswered[0].at("at").as_int64(), common::to_epoch_ms(now - std::chrono::minutes{7}));

  std::map<std::string, std::string> why;
  for (const auto& e : b.at("escalations").as_array())
    why[std::string(e.at("id").as_string())] = std::string(e.at("why").as_string());
  EXPECT_EQ(why, (std::map<std::string, std::string>{{kPageLead, "overdue"},
                                                     {"P00000000000000E2", "declined"}}));

  // Who is on call now, with their numbers from the configuration: the layer
  // that has people has their phones, each person once; no client's number.
  bool some_phone = false;
  for (const auto& l : b.at("on_call").as_array()) {
    const auto& people = l.at("people").as_array();
    const auto& phones = l.at("phones").as_object();
    EXPECT_EQ(phones.size(), people.size()) << l.at("layer").as_string();
    for (const auto& p : people) {
      const auto id = std::string(p.as_string());
      const auto* cfg = config_.person(id);
      ASSERT_TRUE(cfg) << id;
      EXPECT_EQ(phones.at(id).as_string(), cfg->phone);
      some_phone = true;
    }
  }
  EXPECT_TRUE(some_phone) << "someone is on call on 22 November";

  const auto& long_overdue = b.at("long_overdue").as_array();
  ASSERT_EQ(long_overdue.size(), 1u);  // not the running closing, not the check-in
  EXPECT_EQ(long_overdue[0].at("case").as_string(), kCaseA);
  EXPECT_EQ(long_overdue[0].at("clock").as_string(), "evaluation");
  EXPECT_EQ(long_overdue[0].at("due_at").as_int64(),
            common::to_epoch_ms(now - std::chrono::hours{30}));
  EXPECT_EQ(b.at("clocks").as_array().size(), 4u);  // every clock is still in `clocks`
  for (const auto* secret : {"Zyxwa", "31687654321"})
    EXPECT_EQ(a.body.find(secret), std::string::npos) << "the board leaks " << secret;
}

TEST_F(WebApiTest, ClocksShowTheirIncidentAndAnEventSaysWhichIncidentItAnswers) {
  const auto tina = login("tina");
  auto a = call("GET", "/api/board?region=groningen", "", &tina);
  ASSERT_EQ(a.status, 200) << a.body;
  const auto clock = a.json().at("clocks").as_array().at(0).as_object();
  EXPECT_EQ(clock.at("incident").as_string(), "I000000000000000A");
  EXPECT_EQ(clock.at("incident_kind").as_string(), "Code red");
  EXPECT_EQ(clock.at("incident_at").as_int64(), common::to_epoch_ms(domain_.now()));
  const auto anna = login("anna");
  a = call("GET", "/api/cases/" + kCaseA, "", &anna);
  ASSERT_EQ(a.status, 200) << a.body;
  const auto incidents = a.json().at("incidents").as_array();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].at("id").as_string(), "I000000000000000A");
  EXPECT_FALSE(incidents[0].as_object().contains("body")) << "kind and time only";
  // The event names the incident it answers; the backend gets it.
  a = call("POST", "/api/cases/" + kCaseA + "/events",
           R"({"type":"first_contact","incident":"I000000000000000A"})", &anna);
  ASSERT_EQ(a.status, 200) << a.body;
  ASSERT_FALSE(backend_.calls.empty());
  EXPECT_EQ(backend_.calls.back(), "event " + kCaseA + " anna first_contact I000000000000000A");
  const auto before = backend_.calls.size();
  a = call("POST", "/api/cases/" + kCaseA + "/events",
           R"({"type":"first_contact","incident":"Kelderweg 11"})", &anna);
  EXPECT_EQ(a.status, 422);
  EXPECT_EQ(a.json().at("error").at("field").as_string(), "incident");
  EXPECT_EQ(backend_.calls.size(), before) << "refused before it reaches the cases service";
}

// A handover names who takes over and confirms its conditions (docs/deadlines.md
// "Handover"): the web API checks each field's type and bounds, naming the
// field, and passes them on; whether the handover may be recorded is the case
// service's rule (service_backend_redis_test).
TEST_F(WebApiTest, AHandoversFieldsAreBoundedAndPassedToTheCasesService) {
  const auto anna = login("anna");
  auto a = call("GET", "/api/cases/" + kCaseA, "", &anna);
  ASSERT_EQ(a.status, 200) << a.body;
  const auto form = a.json().at("handover").as_object();  // the form's bounds
  EXPECT_EQ(form.at("organisation_max").to_number<std::int64_t>(), 100);
  EXPECT_EQ(form.at("role_max").to_number<std::int64_t>(), 60);
  EXPECT_EQ(form.at("checkin_min_days").to_number<std::int64_t>(), 1);
  EXPECT_EQ(form.at("checkin_max_days").to_number<std::int64_t>(), 366);
  const std::string path = "/api/cases/" + kCaseA + "/events";
  const std::string who = R"("receiving_organisation":"Synthetic local team",)"
                          R"("receiving_role":"casusregisseur")";
  const auto refused = [&](const std::string& body, const std::string& field) {
    expect_refused_at(path, body, anna, field);
  };
  refused(R"({"type":"handover","receiving_organisation":")" + std::string(101, 'o') + R"("})",
          "receiving_organisation");
  refused(R"({"type":"handover","receiving_organisation":""})", "receiving_organisation");
  refused(R"({"type":"handover","receiving_organisation":7})", "receiving_organisation");
  refused(R"({"type":"handover","receiving_role":")" + std::string(61, 'r') + R"("})",
          "receiving_role");
  refused(R"({"type":"handover",)" + who + R"(,"safety_reached":"yes"})", "safety_reached");
  refused(R"({"type":"handover",)" + who + R"(,"help_plan_exists":1})", "help_plan_exists");
  for (const auto* days : {"0", "367", "1.5", "\"14\"", "-3"})
    refused(R"({"type":"handover",)" + who + R"(,"checkin_days":)" + days + "}", "checkin_days");
  // On any other event the handover's fields are refused, as the case service does.
  refused(R"({"type":"first_contact","receiving_role":"casusregisseur"})", "receiving_role");
  refused(R"({"type":"first_contact","safety_reached":true})", "safety_reached");
  EXPECT_TRUE(backend_.calls.empty()) << "refused before it reaches the cases service";
  // Within bounds: passed on whole, conditions and cadence too.
  a = call("POST", path,
           R"({"type":"handover",)" + who +
               R"(,"safety_reached":true,"help_plan_exists":true,"checkin_days":14})",
           &anna);
  ASSERT_EQ(a.status, 200) << a.body;
  ASSERT_EQ(backend_.calls.size(), 1u);
  EXPECT_EQ(backend_.calls[0],
            "event " + kCaseA + " anna handover Synthetic local team/casusregisseur s1 h1 d14");
  // The audit says what was recorded, never who takes over.
  EXPECT_EQ(last_audit()->record.action, "case.event");
  EXPECT_EQ(last_audit()->record.reason.find("Synthetic"), std::string::npos);
  // Unconfirmed conditions are the case service's to refuse: passed on as given.
  a = call("POST", path, R"({"type":"handover",)" + who + "}", &anna);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(backend_.calls.back(),
            "event " + kCaseA + " anna handover Synthetic local team/casusregisseur s0 h0");
}

// Agreements (issue 16): the app's fields are typed and bounded here, the
// due time read as Amsterdam time; the case service decides the rest. The
// casemanager's list holds the open ones of their own cases, overdue first;
// the board counts each partner's overdue ones without their text.
TEST_F(WebApiTest, AgreementsAreRecordedListedOverdueFirstAndCountedOnTheBoard) {
  const auto anna = login("anna");
  const auto bert = login("bert");
  auto a = call("GET", "/api/cases/" + kCaseA, "", &anna);
  ASSERT_EQ(a.status, 200) << a.body;
  const auto form = a.json().at("agreement_form").as_object();
  ASSERT_EQ(form.at("partners").as_array().size(), 1u);
  EXPECT_EQ(form.at("partners").as_array()[0].at("name").as_string(), "Synthetic Addiction Care");
  EXPECT_EQ(form.at("text_max").to_number<std::int64_t>(), 280);
  const std::string path = "/api/cases/" + kCaseA + "/agreements";
  const auto refused = [&](const std::string& body, const std::string& field) {
    expect_refused_at(path, body, anna, field);
  };
  const std::string ok_fields = R"("who":"vz-noord","category":"referral","track":"perpetrator",)"
                                R"("text":"Synthetic intake",)";
  refused("{" + ok_fields + R"("due_local":"30-11-2026 10:00"})", "due_local");
  refused("{" + ok_fields + R"("due_local":"2026-11-30T10:00","colour":"red"})", "colour");
  refused(R"({"who":7,"due_local":"2026-11-30T10:00"})", "who");
  refused(R"({"who":"family","text":")" + std::string(281, 't') +
              R"(","due_local":"2026-11-30T10:00"})",
          "text");
  EXPECT_TRUE(backend_.calls.empty()) << "refused before it reaches the cases service";
  EXPECT_EQ(
      call("POST", path, "{" + ok_fields + R"("due_local":"2026-11-30T10:00"})", &bert).status, 403)
      << "not bert's case";
  expect_refusal_audited("bert", "case.agreement", kCaseA);
  a = call("POST", path, "{" + ok_fields + R"("due_local":"2026-11-30T10:00"})", &anna);
  ASSERT_EQ(a.status, 200) << a.body;
  ASSERT_EQ(backend_.calls.size(), 1u);
  EXPECT_EQ(backend_.calls[0], "agreement " + kCaseA + " anna vz-noord/referral/perpetrator due " +
                                   amsterdam_ms("2026-11-30T10:00"));
  EXPECT_EQ(last_audit()->record.reason.find("Synthetic"), std::string::npos)
      << "the audit names the category, never the text";
  // The Idempotency-Key goes to the cases service with the agreement; a
  // malformed one is refused here, naming the header.
  const auto agreement = "{" + ok_fields + R"("due_local":"2026-11-30T10:00"})";
  a = call("POST", path, agreement, &anna, true, {}, "10.1.2.3", {{"idempotency-key", "k-7"}});
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_TRUE(backend_.calls.back().ends_with(" key k-7")) << backend_.calls.back();
  a = call("POST", path, agreement, &anna, true, {}, "10.1.2.3", {{"idempotency-key", "k 7"}});
  EXPECT_EQ(a.status, 400) << a.body;
  EXPECT_EQ(backend_.calls.size(), 2u) << "refused before it reaches the cases service";
  a = call("POST", path + "/state", R"({"agreement":"A1","state":"done"})", &anna);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(backend_.calls.back(), "settle " + kCaseA + " anna A1 done");
  EXPECT_EQ(call("POST", path + "/state", R"({"agreement":"A1","state":true})", &anna).status, 422);

  // Listed: anna's open agreements, overdue first; the settled one is not.
  const auto now = domain_.now();
  auto view = [&](std::string case_id, std::string id, std::string who, std::string state,
                  common::Instant due) {
    AgreementView v;
    v.case_id = std::move(case_id);
    v.region = "groningen";
    v.id = std::move(id);
    v.who = std::move(who);
    v.partner_name = v.who == "vz-noord" ? "Synthetic Addiction Care" : "";
    v.category = "appointment";
    v.text = "Synthetic text " + v.id;
    v.track = "victim";
    v.state = std::move(state);
    v.due = due;
    v.created_at = now - std::chrono::hours{240};
    return v;
  };
  backend_.agreement_table = {
      view(kCaseA, "A1", "family", "open", now + std::chrono::hours{48}),
      view(kCaseA, "A2", "vz-noord", "open", now - std::chrono::hours{30}),
      view(kCaseA, "A3", "vz-noord", "done", now - std::chrono::hours{60}),
      view(kCaseB, "A1", "vz-noord", "open", now - std::chrono::hours{5}),  // bert's
  };
  a = call("GET", "/api/my", "", &anna);
  ASSERT_EQ(a.status, 200) << a.body;
  const auto list = a.json().at("agreements").as_array();
  ASSERT_EQ(list.size(), 2u) << a.body;
  EXPECT_EQ(list[0].at("agreement").as_string(), "A2");
  EXPECT_EQ(list[0].at("overdue").as_bool(), true);
  EXPECT_EQ(list[1].at("agreement").as_string(), "A1");
  EXPECT_EQ(list[1].at("overdue").as_bool(), false);
  a = call("GET", "/api/cases/" + kCaseA, "", &anna);
  EXPECT_EQ(a.json().at("agreements").as_array().size(), 3u) << "the case view: every state";

  const auto tina = login("tina");
  a = call("GET", "/api/board?region=groningen", "", &tina);
  ASSERT_EQ(a.status, 200) << a.body;
  const auto chain = a.json().at("chain").as_object();
  const auto partners = chain.at("partners").as_array();
  ASSERT_EQ(partners.size(), 1u);
  EXPECT_EQ(partners[0].at("id").as_string(), "vz-noord");
  EXPECT_EQ(partners[0].at("overdue").to_number<std::int64_t>(), 2) << "both cases of the region";
  EXPECT_EQ(chain.at("overdue").as_array().size(), 2u);
  EXPECT_EQ(a.body.find("Synthetic text"), std::string::npos) << "no agreement's text on the board";
}

// A referral done with when the partner's help started ("hulp gestart op"):
// typed as Amsterdam time, handed to the case service; its refusal of
// started_at is passed on naming the app's field, audited.
TEST_F(WebApiTest, AReferralDoneTakesWhenHelpStartedAndItsRefusalNamesTheField) {
  const auto anna = login("anna");
  const std::string path = "/api/cases/" + kCaseA + "/agreements/state";
  auto a = call("POST", path,
                R"({"agreement":"A1","state":"done","started_local":"24-11-2026 16:00"})", &anna);
  EXPECT_EQ(a.status, 422);
  EXPECT_EQ(a.json().at("error").at("field").as_string(), "started_local");
  EXPECT_EQ(
      call("POST", path, R"({"agreement":"A1","state":"done","started_local":7})", &anna).status,
      422);
  EXPECT_TRUE(backend_.calls.empty()) << "refused before it reaches the cases service";
  backend_.refuse_next =
      common::ApiRefusal{422, "in_the_future", "started_at lies in the future", "started_at"};
  a = call("POST", path, R"({"agreement":"A1","state":"done","started_local":"2026-12-24T16:00"})",
           &anna);
  EXPECT_EQ(a.status, 422);
  EXPECT_EQ(a.json().at("error").at("field").as_string(), "started_local");
  EXPECT_EQ(a.json().at("error").at("code").as_string(), "in_the_future");
  expect_refusal_audited("anna", "case.agreement_state", kCaseA);
  a = call("POST", path, R"({"agreement":"A1","state":"done","started_local":"2026-11-24T16:00"})",
           &anna);
  ASSERT_EQ(a.status, 200) << a.body;
  ASSERT_EQ(backend_.calls.size(), 1u);
  EXPECT_EQ(backend_.calls[0],
            "settle " + kCaseA + " anna A1 done started " + amsterdam_ms("2026-11-24T16:00"));
  a = call("POST", path, R"({"agreement":"A2","state":"done"})", &anna);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(backend_.calls.back(), "settle " + kCaseA + " anna A2 done") << "default: now";
}

// The tracks on the case view: listed with their state and clock, and a
// first contact, intake or "not applicable" recorded through the case
// service, each refusal naming the app's field; audited with codes only.
TEST_F(WebApiTest, TracksAreListedAndRecordedWithTheRefusalAtItsField) {
  const auto anna = login("anna");
  const auto bert = login("bert");
  const auto now = domain_.now();
  TrackView perpetrator;
  perpetrator.track = "perpetrator";
  perpetrator.state = "not_seen";
  perpetrator.due = now - std::chrono::hours{3};
  perpetrator.clock_state = "overdue";
  TrackView victim;
  victim.track = "victim";
  victim.state = "seen";
  victim.first_contact = TrackMarkView{now - std::chrono::hours{20}, "anna"};
  TrackView children;
  children.track = "children";
  children.state = "not_applicable";
  children.not_applicable = TrackMarkView{now - std::chrono::hours{10}, "anna"};
  children.reason = "no_children";
  backend_.track_table = {
      {kCaseA, perpetrator}, {kCaseA, victim}, {kCaseA, children}, {kCaseB, perpetrator}};
  auto a = call("GET", "/api/cases/" + kCaseA, "", &anna);
  ASSERT_EQ(a.status, 200) << a.body;
  const auto tracks = a.json().at("tracks").as_array();
  ASSERT_EQ(tracks.size(), 3u);
  EXPECT_EQ(tracks[0].at("track").as_string(), "perpetrator");
  EXPECT_EQ(tracks[0].at("clock_state").as_string(), "overdue");
  EXPECT_EQ(tracks[0].at("due_at").to_number<std::int64_t>(),
            common::to_epoch_ms(now - std::chrono::hours{3}));
  EXPECT_TRUE(tracks[0].at("first_contact").is_null());
  EXPECT_EQ(tracks[1].at("first_contact").at("by").as_string(), "anna");
  EXPECT_FALSE(tracks[1].at("first_contact").at("by_name").as_string().empty());
  EXPECT_FALSE(tracks[1].as_object().contains("due_at")) << "a seen track has no clock";
  EXPECT_EQ(tracks[2].at("reason").as_string(), "no_children");
  const auto form = a.json().at("track_form").as_object();
  EXPECT_EQ(form.at("reasons").as_array().size(), 3u);

  const std::string path = "/api/cases/" + kCaseA + "/tracks";
  const auto refused = [&](const std::string& body, const std::string& field) {
    expect_refused_at(path, body, anna, field);
  };
  refused(R"({"track":"victim","type":"intake","at_local":"2026-11-22 14:00"})", "at_local");
  refused(R"({"track":"victim","type":"intake","note":"Synthetic words"})", "note");
  refused(R"({"track":"victim","type":true})", "type");
  EXPECT_TRUE(backend_.calls.empty()) << "refused before it reaches the cases service";
  EXPECT_EQ(call("POST", path, R"({"track":"victim","type":"first_contact"})", &bert).status, 403)
      << "not bert's case";
  expect_refusal_audited("bert", "case.track", kCaseA);
  // The case service's refusal is passed on, its `at` named as the app's field.
  backend_.refuse_next = common::ApiRefusal{422, "in_the_future", "at lies in the future", "at"};
  a = call("POST", path, R"({"track":"victim","type":"intake","at_local":"2026-12-30T10:00"})",
           &anna);
  EXPECT_EQ(a.status, 422);
  EXPECT_EQ(a.json().at("error").at("field").as_string(), "at_local");
  expect_refusal_audited("anna", "case.track", kCaseA);
  // Whatever was typed into a code's field never reaches the audit trail
  // (this backend takes any reason; the case service refuses it).
  a = call("POST", path,
           R"({"track":"children","type":"not_applicable","reason":"Synthetic Name"})", &anna);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(last_audit()->record.reason.find("Synthetic"), std::string::npos);
  EXPECT_NE(last_audit()->record.reason.find("track children not_applicable ?"), std::string::npos);
  backend_.calls.clear();

  a = call("POST", path, R"({"track":"children","type":"not_applicable","reason":"no_children"})",
           &anna);
  ASSERT_EQ(a.status, 200) << a.body;
  a = call("POST", path,
           R"({"track":"perpetrator","type":"first_contact","at_local":"2026-11-22T15:30"})",
           &anna);
  ASSERT_EQ(a.status, 200) << a.body;
  ASSERT_EQ(backend_.calls.size(), 2u);
  EXPECT_EQ(backend_.calls[0], "track " + kCaseA + " anna children not_applicable no_children");
  EXPECT_EQ(backend_.calls[1], "track " + kCaseA + " anna perpetrator first_contact at " +
                                   amsterdam_ms("2026-11-22T15:30"));
  const auto e = last_audit();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->record.action, "case.track");
  EXPECT_NE(e->record.reason.find("track perpetrator first_contact"), std::string::npos)
      << e->record.reason;
}

TEST_F(WebApiTest, StateChangesNeedTheSessionsCsrfTokenAndOurOrigin) {
  const auto anna = login("anna");
  auto a = call("POST", "/api/pages/" + kPageA + "/ack", "{}", &anna, /*with_csrf=*/false);
  EXPECT_EQ(a.status, 403);
  expect_refusal_audited("anna", "page.ack", "");
  EXPECT_EQ(last_audit()->record.reason, "csrf token");
  // Another session's token does not fit.
  const auto anna2 = login("anna");
  Login mixed{anna.cookie, anna2.csrf};
  a = call("POST", "/api/pages/" + kPageA + "/ack", "{}", &mixed);
  EXPECT_EQ(a.status, 403);
  a = call("POST", "/api/pages/" + kPageA + "/ack", "{}", &anna, true, "https://evil.example");
  EXPECT_EQ(a.status, 403);
  expect_refusal_audited("anna", "page.ack", "");
  EXPECT_TRUE(backend_.calls.empty());
  a = call("POST", "/api/pages/" + kPageA + "/ack", "{}", &anna, true, "http://piket.test");
  EXPECT_EQ(a.status, 200) << a.body;
  ASSERT_EQ(backend_.calls.size(), 1u);
  EXPECT_EQ(backend_.calls[0], "ack " + kPageA + " anna");
  EXPECT_EQ(last_audit()->record.action, "page.ack");
  EXPECT_EQ(last_audit()->record.outcome, "allowed");
}

TEST_F(WebApiTest, WrongPasswordsAreAuditedOneByOneAndThenDelayTheAccount) {
  for (int i = 0; i < 3; ++i) {
    const auto a = sign_in("anna", "nope");
    EXPECT_EQ(a.status, 401);
    expect_refusal_audited("-", "login", "anna");
    EXPECT_EQ(last_audit()->record.reason, "wrong password");
  }
  // The third failure (max_failures) starts a delay: 1 s, no password checked.
  const auto checks = metric("piket_web_password_checks_total");
  auto a = sign_in("anna", kPassword);
  EXPECT_EQ(a.status, 429) << a.body;
  EXPECT_EQ(a.retry_after, "1");
  EXPECT_TRUE(a.set_cookie.empty());
  EXPECT_EQ(metric("piket_web_password_checks_total"), checks);
  // Each further failure doubles the delay (1, 2, 4, 8 s), up to max_delay (8 s).
  for (const auto* expected : {"2", "4", "8", "8"}) {
    real_.advance(std::chrono::seconds{std::stoll(a.retry_after)});
    EXPECT_EQ(sign_in("anna", "nope").status, 401);
    a = sign_in("anna", kPassword);
    EXPECT_EQ(a.status, 429);
    EXPECT_EQ(a.retry_after, expected);
  }
  real_.advance(std::chrono::seconds{8});
  login("anna");  // the right password after the delay
  // An unknown account answers like a wrong password, and is audited.
  a = sign_in("mallory", "x");
  EXPECT_EQ(a.status, 401);
  EXPECT_EQ(last_audit()->record.target, "unknown account");
  // Bert is not affected.
  login("bert");
}

TEST_F(WebApiTest, AStrangerCannotLockAPersonOut) {
  // A stranger from one address tries anna's account again and again, every
  // half second for two minutes: the delay grows, their address is blocked
  // after remote_max_failures (10) failures — and anna, from her own address,
  // waits at most max_delay (8 s) and signs in.
  int checked = 0;
  for (int i = 0; i < 240; ++i) {
    const auto a = sign_in("anna", "guess-" + std::to_string(i), "10.6.6.6");
    EXPECT_TRUE(a.status == 401 || a.status == 429) << a.status;
    if (a.status == 401) ++checked;
    real_.advance(std::chrono::milliseconds{500});
  }
  EXPECT_LE(checked, 10) << "the stranger's address is limited";
  auto a = sign_in("anna", kPassword);
  common::Millis waited{0};
  while (a.status == 429 && waited <= std::chrono::seconds{8}) {
    ASSERT_FALSE(a.retry_after.empty());
    const common::Millis wait{std::stoll(a.retry_after) * 1000};
    EXPECT_LE(wait, std::chrono::seconds{8});
    real_.advance(wait);
    waited += wait;
    a = sign_in("anna", kPassword);
  }
  EXPECT_EQ(a.status, 200) << a.body;
  EXPECT_LE(waited, std::chrono::seconds{8});
  // Strangers on forty addresses, one guess a second, keep the account's
  // delay at its longest: anna is asked to wait, never more than max_delay.
  for (int i = 0; i < 40; ++i) {
    sign_in("anna", "more-" + std::to_string(i), "10.5.0." + std::to_string(i + 1));
    real_.advance(std::chrono::seconds{1});
  }
  a = sign_in("anna", kPassword, "10.9.9.9");
  ASSERT_EQ(a.status, 429) << "the account is in its delay";
  const common::Millis wait{std::stoll(a.retry_after) * 1000};
  EXPECT_LE(wait, std::chrono::seconds{8});
  real_.advance(wait);
  EXPECT_EQ(sign_in("anna", kPassword, "10.9.9.9").status, 200);
}

TEST_F(WebApiTest, ConcurrentWrongSignInsNeverCheckMorePasswordsThanTheLimits) {
  // 30 at once from one address, each for another account: the address limit
  // (remote_max_failures = 10) holds exactly.
  auto burst = [&](auto account_of, auto address_of) {
    std::atomic<int> wrong{0}, throttled{0};
    std::vector<std::thread> threads;
    std::latch go(30);
    for (int i = 0; i < 30; ++i)
      threads.emplace_back([&, i] {
        go.arrive_and_wait();
        const auto a = sign_in(account_of(i), "wrong", address_of(i));
        (a.status == 401 ? wrong : throttled)++;
        EXPECT_TRUE(a.status == 401 || a.status == 429) << a.status;
      });
    for (auto& t : threads) t.join();
    return std::pair<int, int>{wrong, throttled};
  };
  const auto before = metric("piket_web_password_checks_total");
  auto [wrong, throttled] = burst([](int i) { return "someone-" + std::to_string(i); },
                                  [](int) { return std::string("10.7.7.7"); });
  EXPECT_EQ(wrong, 10);
  EXPECT_EQ(throttled, 20);
  EXPECT_EQ(metric("piket_web_password_checks_total") - before, 10);
  // 30 at once for one account from 30 addresses: max_failures (3) checks,
  // then the account's delay.
  std::tie(wrong, throttled) = burst([](int) { return std::string("bert"); },
                                     [](int i) { return "10.8.8." + std::to_string(i + 1); });
  EXPECT_EQ(wrong, 3);
  EXPECT_EQ(metric("piket_web_password_checks_total") - before, 13);
}

TEST_F(WebApiTest, SessionsExpireAfterIdleTimeAndOnSignOut) {
  const auto anna = login("anna");
  EXPECT_EQ(call("GET", "/api/session", "", &anna).status, 200);
  real_.advance(std::chrono::minutes{29});
  EXPECT_EQ(call("GET", "/api/session", "", &anna).status, 200);
  real_.advance(std::chrono::minutes{29});
  EXPECT_EQ(call("GET", "/api/session", "", &anna).status, 200) << "the idle timer restarts";
  real_.advance(std::chrono::minutes{31});
  EXPECT_EQ(call("GET", "/api/session", "", &anna).status, 401);
  const auto again = login("anna");
  EXPECT_EQ(call("POST", "/api/logout", "{}", &again).status, 200);
  EXPECT_EQ(call("GET", "/api/my", "", &again).status, 401);
}

TEST_F(WebApiTest, SicknessOverrideMarksAbsenceAndReassignsTheirCases) {
  const auto tina = login("tina");
  const auto a = call(
      "POST", "/api/rota/overrides",
      R"({"region":"groningen","replaces":"anna","person":"bert","reason":"sickness","until_local":"2026-11-24T12:00","reassign_cases":true})",
      &tina);
  ASSERT_EQ(a.status, 201) << a.body;
  EXPECT_EQ(a.json().as_object().at("reassigned").as_array().size(), 1u);
  ASSERT_EQ(backend_.calls.size(), 2u);
  EXPECT_EQ(backend_.calls[0], "absent anna by tina");
  EXPECT_EQ(backend_.calls[1], "reassign " + kCaseA + " bert by tina");
  EXPECT_EQ(last_audit()->record.action, "case.reassign");
  const auto board = call("GET", "/api/board?region=groningen", "", &tina).json().as_object();
  EXPECT_EQ(board.at("on_call").as_array()[0].as_object().at("people").as_array()[0].as_string(),
            "bert");
}

TEST_F(WebApiTest, TamperingWithOneAuditEntryIsFoundByPiketAudit) {
  const auto anna = login("anna");
  for (int i = 0; i < 5; ++i) call("GET", "/api/cases/" + kCaseA, "", &anna);
  const auto bert = login("bert");
  call("GET", "/api/cases/" + kCaseA, "", &bert);  // refused
  auto lease = pool_.lease();
  ASSERT_TRUE(verify_audit_log(*lease).ok());
  const auto n = audit_length();
  ASSERT_GE(n, 8);

  // The command-line check sees the intact chain…
  const auto cfg_file = std::filesystem::temp_directory_path() / "piket-web-audit-test.toml";
  std::ofstream(cfg_file) << config_text(redis_->config().address.port, *hash_,
                                         redis_->secrets_dir());
  auto run = [&](std::string& out) {
    const auto cmd = std::string(PIKET_AUDIT_BIN) + " verify --config " + cfg_file.string();
    FILE* p = popen(cmd.c_str(), "r");
    char buf[512];
    out.clear();
    while (fgets(buf, sizeof buf, p)) out += buf;
    return WEXITSTATUS(pclose(p));
  };
  std::string out;
  EXPECT_EQ(run(out), 0) << out;
  EXPECT_NE(out.find("intact"), std::string::npos) << out;

  // …and someone hides that bert tried to read anna's case: entry 4 becomes "allowed".
  // The tampering needs more than piket-web may do (LINDEX, LSET): an operator's access.
  auto ops = redis();
  const auto line = ops.command({"LINDEX", std::string(store::kAuditLog), "3"}).str;
  auto changed = line;
  const auto pos = changed.find("\"refused\"") != std::string::npos ? changed.find("\"refused\"")
                                                                    : changed.find("\"allowed\"");
  ASSERT_NE(pos, std::string::npos);
  changed.replace(pos, 9,
                  changed.compare(pos, 9, "\"allowed\"") == 0 ? "\"refused\"" : "\"allowed\"");
  ops.command({"LSET", std::string(store::kAuditLog), "3", changed});
  EXPECT_EQ(run(out), 1) << out;
  EXPECT_NE(out.find("BROKEN at entry 4"), std::string::npos) << out;
  const auto v = verify_audit_log(*lease);
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.first_broken(), 4u);
  std::filesystem::remove(cfg_file);
}

TEST_F(WebApiTest, AuditAppendsFromTwoWritersKeepOneChain) {
  common::SimulatedClock clock(*common::parse_rfc3339("2026-11-22T12:00:00Z"));
  AuditLog a(pool_, clock, clock), b(pool_, clock, clock);
  std::vector<std::thread> threads;
  for (auto* log : {&a, &b})
    threads.emplace_back([log] {
      for (int i = 0; i < 50; ++i) {
        AuditRecord r;
        r.who = "x";
        r.action = "case.read";
        r.outcome = "allowed";
        log->append(r);
      }
    });
  for (auto& t : threads) t.join();
  auto lease = pool_.lease();
  const auto v = verify_audit_log(*lease);
  EXPECT_TRUE(v.ok()) << v.reason();
  EXPECT_EQ(v.entries(), 100u);
}

// Two web instances behind one load balancer (docs/availability.md, "Two instances of every
// service"): a session made at one is good at the other — cookie and CSRF token both live in
// Redis (web:session:*) — a change needs the same CSRF token there, and signing out at one ends
// the session at both.
TEST_F(WebApiTest, ASessionMadeAtOneWebInstanceWorksAndEndsAtTheOther) {
  const auto anna = login("anna");  // at instance A
  common::RedisPool pool(config_.redis);
  common::Metrics metrics("web-test-b");
  LiveHub hub;
  auto other = std::make_unique<WebApi>(WebDeps{config_.web,
                                                config_,
                                                config_,
                                                config_.caseload,
                                                config_.dispatch.http,
                                                config_.partners.size(),
                                                domain_,
                                                real_,
                                                pool,
                                                metrics,
                                                hub,
                                                rota_,
                                                backend_,
                                                nullptr,
                                                {}});
  std::swap(api_, other);  // call() now reaches instance B
  EXPECT_EQ(call("GET", "/api/session", "", &anna).status, 200);
  EXPECT_EQ(call("GET", "/api/my", "", &anna).status, 200);
  EXPECT_EQ(call("POST", "/api/logout", "{}", &anna, false).status, 403) << "no CSRF token";
  EXPECT_EQ(call("POST", "/api/logout", "{}", &anna).status, 200);
  std::swap(api_, other);  // back at instance A
  EXPECT_EQ(call("GET", "/api/session", "", &anna).status, 401);
}

TEST_F(WebApiTest, TheEventStreamSaysHelloThenChange) {
  const auto anna = login("anna");
  LiveUpdates live(config_.redis, hub_, domain_, real_);
  live.poll_once();
  WebServer server({{"127.0.0.1", 0}, 1},
                   [this](const common::HttpRequest& r) { return api_->handle(r); });
  server.start();
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  const std::string req =
      "GET /api/events HTTP/1.1\r\nHost: x\r\nCookie: " + anna.cookie + "\r\n\r\n";
  asio::write(s, asio::buffer(req));
  std::string got;
  auto read_until = [&](const std::string& what) {
    char buf[4096];
    for (int i = 0; i < 100 && got.find(what) == std::string::npos; ++i) {
      const auto n = s.read_some(asio::buffer(buf));
      got.append(buf, n);
    }
    return got.find(what) != std::string::npos;
  };
  ASSERT_TRUE(read_until("event: hello")) << got;
  EXPECT_NE(got.find("text/event-stream"), std::string::npos);
  for (int i = 0; i < 100 && hub_.size() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  redis().command(
      {"RPUSH", store::case_timeline_key(kCaseA), R"({"at":1,"type":"first_contact"})"});
  EXPECT_TRUE(live.poll_once());
  EXPECT_TRUE(read_until("event: change")) << got;
  // Push messages for anna reach anna's stream.
  redis().command({"XADD", store::push_key("anna"), "*", "kind", "page", "case", kCaseA});
  live.poll_once();
  EXPECT_TRUE(read_until("event: push")) << got;
  EXPECT_NE(got.find(kCaseA), std::string::npos);
  server.stop();
}

TEST_F(WebApiTest, SigningOutOrExpiringClosesTheSessionsEventStreams) {
  const auto anna = login("anna");
  const auto anna_phone = login("anna");  // a second session of the same person
  LiveUpdates live(config_.redis, hub_, domain_, real_);
  SessionStore sessions(pool_, real_, config_.web.session_idle, config_.web.session_max);
  live.set_session_check([&sessions](const std::string& k) { return sessions.alive(k); });
  WebServer server({{"127.0.0.1", 0}, 1},
                   [this](const common::HttpRequest& r) { return api_->handle(r); });
  server.start();
  namespace asio = boost::asio;
  asio::io_context io;
  auto open_stream = [&](const Login& who) {
    auto s = std::make_unique<asio::ip::tcp::socket>(io);
    s->connect({asio::ip::make_address("127.0.0.1"), server.port()});
    asio::write(*s, asio::buffer("GET /api/events HTTP/1.1\r\nHost: x\r\nCookie: " + who.cookie +
                                 "\r\n\r\n"));
    return s;
  };
  // Reads until the server closes the connection (true) or 3 s pass (false).
  auto closed_by_server = [&](asio::ip::tcp::socket& s) {
    s.non_blocking(true);
    char buf[4096];
    for (int i = 0; i < 300; ++i) {
      boost::system::error_code ec;
      s.read_some(asio::buffer(buf), ec);
      if (ec == asio::error::eof || ec == asio::error::connection_reset) return true;
      if (ec == asio::error::would_block)
        std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    return false;
  };
  auto desk = open_stream(anna);
  auto phone = open_stream(anna_phone);
  for (int i = 0; i < 200 && hub_.size() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  ASSERT_EQ(hub_.size(), 2u);
  EXPECT_EQ(hub_.sessions().size(), 2u);

  // Sign out on the desk: that stream ends, the phone's stays.
  EXPECT_EQ(call("POST", "/api/logout", "{}", &anna).status, 200);
  EXPECT_TRUE(closed_by_server(*desk));
  EXPECT_EQ(hub_.size(), 1u);
  EXPECT_EQ(live.close_expired_sessions(), 0u);

  // The phone's session expires (idle): the next check ends its stream.
  real_.advance(config_.web.session_idle + std::chrono::minutes{1});
  EXPECT_EQ(live.close_expired_sessions(), 1u);
  EXPECT_TRUE(closed_by_server(*phone));
  EXPECT_EQ(hub_.size(), 0u);
  server.stop();
}

TEST_F(WebApiTest, TheRotaFileWithDispatchsOverridesGivesLayersHandoffsAndGaps) {
  const auto dir = std::filesystem::temp_directory_path() / "piket-web-rota-test";
  std::filesystem::create_directories(dir);
  // Primary weekly anna/bert, team lead tina; no backup layer at all: a gap.
  std::ofstream(dir / "rota.toml") << R"(
[[rotations]]
region = "groningen"
layer = "primary"
name = "weekly"
shift = "week"
handoff = "08:00"
start = 2026-01-05
members = ["anna", "bert"]

[[rotations]]
region = "groningen"
layer = "team_lead"
name = "tina"
shift = "week"
handoff = "08:00"
start = 2026-01-05
members = ["tina"]
)";
  const auto text =
      config_text(redis_->config().address.port, *hash_, redis_->secrets_dir(),
                  "[rota]\nfile = \"" + (dir / "rota.toml").string() + "\"\nallow_gaps = true\n");
  const auto cfg = config::parse_config(text, (dir / "piket.toml").string());
  FileRotaSource source(cfg.rota, cfg.people, pool_);
  const auto now = *common::parse_rfc3339("2026-11-25T12:00:00+01:00");  // a Wednesday
  auto pic = source.picture("groningen", now, 14);
  std::map<std::string, std::vector<std::string>> on;
  for (const auto& l : pic.now) on[l.layer] = l.people;
  // 2026-01-05 + 46 weeks = 23 Nov: week 46 is even -> anna.
  EXPECT_EQ(on["primary"], std::vector<std::string>{"anna"});
  EXPECT_EQ(on["team_lead"], std::vector<std::string>{"tina"});
  EXPECT_TRUE(on["backup"].empty());
  bool backup_gap = false;
  for (const auto& g : pic.gaps) backup_gap = backup_gap || g.layer == "backup";
  EXPECT_TRUE(backup_gap) << "an empty required layer is a gap";
  ASSERT_FALSE(pic.handoffs.empty());
  EXPECT_EQ(pic.handoffs.front().at, *common::parse_rfc3339("2026-11-30T08:00:00+01:00"));

  // A sickness override from the app is dispatch's override: same store, same rota.
  RotaOverride o;
  o.id = new_override_id(now);
  o.region = "groningen";
  o.person = "bert";
  o.replaces = "anna";
  o.start = now;
  o.end = now + std::chrono::days{2};
  o.by = "tina";
  o.created_at = now;
  source.add_override(o);
  auto lease = pool_.lease();
  dispatch::OverrideStore store(*lease);
  ASSERT_EQ(store.list().size(), 1u);
  EXPECT_EQ(store.list()[0].person, "bert");
  EXPECT_EQ(store.version(), 1);
  pic = source.picture("groningen", now + std::chrono::hours{1}, 14);
  for (const auto& l : pic.now) {
    if (l.layer == "primary") {
      EXPECT_EQ(l.people, std::vector<std::string>{"bert"});
    }
  }
  EXPECT_EQ(pic.overrides.size(), 1u);
  std::filesystem::remove_all(dir);
}

long long used_memory(common::RedisConnection& r) {
  const auto info = r.command({"INFO", "memory"}).str;
  const auto at = info.find("used_memory:");
  return std::stoll(info.substr(at + 12));
}

// What the keys hold (MEMORY USAGE of every key): the data itself, without
// the allocations of Redis's connected clients that used_memory also counts.
long long keys_memory(const common::RedisConfig& cfg) {
  common::RedisConnection r(cfg);  // its own client, gone before used_memory is read
  long long sum = 0;
  for (const auto& k : r.command({"KEYS", "*"}).elements)
    sum += r.command({"MEMORY", "USAGE", k.str, "SAMPLES", "0"}).integer;
  return sum;
}

TEST_F(WebApiTest, FiveThousandRequestsWithoutASessionLeaveRedisWithinItsBound) {
  auto r = redis();
  // A first minute from another address: the scripts are loaded and Redis's
  // scripting warmed up, so that what is measured is what the requests leave.
  for (int i = 0; i < 100; ++i) call("GET", "/api/my", "", nullptr, true, {}, "10.3.3.3");
  real_.advance(std::chrono::minutes{1});
  ASSERT_EQ(api_->write_refusal_tally(), 1u);
  auto round = [&](int n) {
    int unauthorised = 0, limited = 0;
    std::string retry_after;
    for (int i = 0; i < n; ++i) {
      const auto a = call("GET", "/api/cases/" + kCaseA);
      if (a.status == 401) ++unauthorised;
      if (a.status == 429) ++limited, retry_after = a.retry_after;
    }
    // The bucket: a burst of 50, then 5 a second — the clock did not move.
    EXPECT_EQ(unauthorised, 50);
    EXPECT_EQ(limited, n - 50);
    EXPECT_EQ(retry_after, "1");
    real_.advance(std::chrono::minutes{1});
    EXPECT_EQ(api_->write_refusal_tally(), 1u);
  };
  const auto keys_before = keys_memory(redis_->config());
  const auto audit_before = audit_length();
  const auto memory_before = used_memory(r);
  const auto limited_before = metric("piket_web_unauthenticated_total", "outcome=\"rate_limited\"");
  round(5000);
  const auto memory_after = used_memory(r);
  const auto audit_after = audit_length();
  const auto keys_after = keys_memory(redis_->config());
  EXPECT_EQ(audit_after - audit_before, 1) << "one entry for the address and minute";
  const auto entry = last_audit();
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->record.action, "unauthenticated");
  EXPECT_EQ(entry->record.reason, "5000 requests refused without a session");
  EXPECT_EQ(entry->record.from, "10.1.2.3");
  EXPECT_EQ(metric("piket_web_unauthenticated_total", "outcome=\"rate_limited\"") - limited_before,
            4950);
  EXPECT_EQ(r.command({"EXISTS", std::string(store::kUnauthMinutes)}).integer, 0)
      << "nothing left waiting";
  // The bound (docs/web.md): the keys gain one audit line. used_memory also
  // counts Redis's own buffers, which grow once (some 25-75 KiB) and then
  // stay; the old trail gained 5,000 lines, about 1.7 MiB.
  EXPECT_LT(keys_after - keys_before, 2 * 1024);
  EXPECT_LT(memory_after - memory_before, 128 * 1024)
      << "used_memory " << memory_before << " -> " << memory_after;
  // Eight more rounds of 5,000: one audit line each, nothing else.
  round(5000);
  const auto memory_warm = used_memory(r);
  const auto keys_warm = keys_memory(redis_->config());
  const auto audit_warm = audit_length();
  for (int k = 0; k < 8; ++k) round(5000);
  const auto memory_end = used_memory(r);
  const auto keys_end = keys_memory(redis_->config());
  EXPECT_EQ(audit_length() - audit_warm, 8);
  EXPECT_LT(keys_end - keys_warm, 8 * 1024);
  EXPECT_LT(memory_end - memory_warm, 16 * 1024);
  std::printf(
      "5000 requests without a session: audit +%lld entry, keys %+lld bytes, used_memory "
      "%+lld bytes; then 8 x 5000 more: audit +%lld, keys %+lld, used_memory %+lld bytes\n",
      audit_after - audit_before, keys_after - keys_before, memory_after - memory_before,
      audit_length() - audit_warm, keys_end - keys_warm, memory_end - memory_warm);
  // A signed-in person's refusals are still written one by one.
  const auto bert = login("bert");
  const auto before = audit_length();
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(call("GET", "/api/cases/" + kCaseA, "", &bert).status, 403);
  EXPECT_EQ(audit_length(), before + 20);
  expect_refusal_audited("bert", "case.read", kCaseA);
}

TEST_F(WebApiTest, StrangersOnManyAddressesAddAtMostOneEntryPerAddressUpToABound) {
  const auto before = audit_length();
  for (int i = 0; i < 1200; ++i)
    call("GET", "/api/my", "", nullptr, true, {},
         "10.20." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1));
  real_.advance(std::chrono::minutes{1});
  EXPECT_EQ(api_->write_refusal_tally(), RefusalTally::kMaxAddresses + 1);
  EXPECT_EQ(audit_length(), before + static_cast<long long>(RefusalTally::kMaxAddresses) + 1);
  EXPECT_EQ(last_audit()->record.from, "other");
  EXPECT_EQ(last_audit()->record.reason,
            "200 requests refused without a session, from more than 1000 other addresses");
}

TEST_F(WebApiTest, BehindATrustedProxyTheForwardedAddressIsTheClient) {
  auto via_proxy = [&](const std::string& forwarded) {
    common::HttpRequest r;
    r.method = "POST";
    r.target = r.path = "/api/login";
    r.remote = "10.0.0.1";  // web.trusted_proxies
    r.headers = {{"host", "piket.test"},
                 {"content-type", "application/json"},
                 {"x-forwarded-for", forwarded}};
    r.body = R"({"person":"anna","password":"nope"})";
    return api_->handle(r).response.status;
  };
  EXPECT_EQ(via_proxy("6.6.6.6, 192.0.2.7"), 401);
  EXPECT_EQ(last_audit()->record.from, "192.0.2.7") << "the right-most address the proxy added";
  EXPECT_EQ(via_proxy("not-an-address"), 401);
  EXPECT_EQ(last_audit()->record.from, "10.0.0.1") << "a header not believed: the proxy itself";
  // Without a trusted peer the header is ignored.
  common::HttpRequest r;
  r.method = "POST";
  r.target = r.path = "/api/login";
  r.remote = "10.1.2.3";
  r.headers = {{"host", "piket.test"},
               {"content-type", "application/json"},
               {"x-forwarded-for", "192.0.2.99"}};
  r.body = R"({"person":"anna","password":"nope"})";
  EXPECT_EQ(api_->handle(r).response.status, 401);
  EXPECT_EQ(last_audit()->record.from, "10.1.2.3");
}

TEST_F(WebApiTest, APersonOnlyPagedEarlierForACaseCannotReadIt) {
  // bert was paged for anna's case; he declined. Then a colleague's page for
  // it stood down, and one he acknowledged a day ago.
  auto r = redis();
  const auto page = [&](const std::string& id, const std::vector<std::string>& fields) {
    std::vector<std::string> cmd{"HSET", store::page_key(id), "case", kCaseA, "person", "bert"};
    cmd.insert(cmd.end(), fields.begin(), fields.end());
    r.command(cmd);
    r.command({"RPUSH", store::case_timeline_key(kCaseA),
               R"({"at":1795000000200,"type":"paged","person":"bert","page":")" + id +
                   R"(","by":"dispatch"})"});
  };
  const auto now = std::to_string(common::to_epoch_ms(domain_.now()));
  const auto day_ago = std::to_string(common::to_epoch_ms(domain_.now() - std::chrono::hours{24}));
  page("P00000000000000C1", {"state", "declined", "created_at", now, "declined_at", now});
  page("P00000000000000C2",
       {"state", "cancelled", "created_at", now, "cancelled_reason", "answered_by_other"});
  page("P00000000000000C3",
       {"state", "acknowledged", "created_at", day_ago, "acknowledged_at", day_ago});
  const auto bert = login("bert");
  auto a = call("GET", "/api/cases/" + kCaseA, "", &bert);
  EXPECT_EQ(a.status, 403) << a.body;
  EXPECT_EQ(a.body.find("Zyxwa"), std::string::npos);
  expect_refusal_audited("bert", "case.read", kCaseA);
  EXPECT_EQ(
      call("POST", "/api/cases/" + kCaseA + "/events", R"({"type":"first_contact"})", &bert).status,
      403);
  // A page that stands (sent an hour ago, unanswered): he may read it to go
  // out — and still records nothing.
  page("P00000000000000C4",
       {"state", "accepted", "created_at",
        std::to_string(common::to_epoch_ms(domain_.now() - std::chrono::hours{1}))});
  a = call("GET", "/api/cases/" + kCaseA, "", &bert);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_NE(a.body.find("Zyxwa Qorvath"), std::string::npos);
  EXPECT_FALSE(a.json().as_object().at("can_record").as_bool());
  EXPECT_NE(last_audit()->record.reason.find("P00000000000000C4"), std::string::npos);
  EXPECT_EQ(
      call("POST", "/api/cases/" + kCaseA + "/events", R"({"type":"first_contact"})", &bert).status,
      403);
  EXPECT_TRUE(backend_.calls.empty());
  // Twelve hours on, the page no longer opens the case.
  domain_.advance(std::chrono::hours{11});
  EXPECT_EQ(call("GET", "/api/cases/" + kCaseA, "", &bert).status, 403);
}

TEST_F(WebApiTest, CalendarTokensAreMadeByThePersonShownOnceAndRevocable) {
  const auto anna = login("anna");
  auto a = call("POST", "/api/calendar/tokens", "{}", &anna);
  ASSERT_EQ(a.status, 201) << a.body;
  const auto made = a.json().as_object();
  const std::string token(made.at("token").as_string());
  const std::string id(made.at("id").as_string());
  EXPECT_TRUE(access::looks_like_calendar_token(token));
  EXPECT_EQ(std::string(made.at("url").as_string()),
            "http://127.0.0.1:8081/v1/rota/calendar/person/anna.ics?token=" + token);
  EXPECT_EQ(last_audit()->record.action, "calendar.create");
  // Listed without the token; the token is nowhere in Redis or the trail.
  a = call("GET", "/api/calendar/tokens", "", &anna);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.json().as_object().at("tokens").as_array().size(), 1u);
  EXPECT_EQ(a.body.find(token), std::string::npos);
  auto r = redis();
  for (const auto& line : r.command({"LRANGE", std::string(store::kAuditLog), "0", "-1"}).elements)
    EXPECT_EQ(line.str.find(token), std::string::npos);
  EXPECT_EQ(r.command({"KEYS", "*" + token + "*"}).elements.size(), 0u);
  {
    auto lease = pool_.lease();
    ASSERT_TRUE(access::CalendarTokens(*lease).find(token));
  }
  // Another casemanager sees and revokes nothing of anna's; her team lead may.
  const auto bert = login("bert");
  EXPECT_EQ(call("GET", "/api/calendar/tokens?person=anna", "", &bert).status, 403);
  expect_refusal_audited("bert", "calendar.list", "anna");
  EXPECT_EQ(
      call("POST", "/api/calendar/tokens/revoke", R"({"person":"anna","id":")" + id + "\"}", &bert)
          .status,
      403);
  const auto dirk = login("dirk");
  EXPECT_EQ(call("GET", "/api/calendar/tokens?person=anna", "", &dirk).status, 403);
  const auto tina = login("tina");
  EXPECT_EQ(call("GET", "/api/calendar/tokens?person=anna", "", &tina).status, 200);
  a = call("POST", "/api/calendar/tokens/revoke", R"({"person":"anna","id":")" + id + "\"}", &tina);
  EXPECT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(last_audit()->record.action, "calendar.revoke");
  {
    auto lease = pool_.lease();
    EXPECT_FALSE(access::CalendarTokens(*lease).find(token)) << "revoked at once";
  }
  EXPECT_EQ(call("POST", "/api/calendar/tokens/revoke", R"({"id":")" + id + "\"}", &anna).status,
            404);
  // At most five per person.
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(call("POST", "/api/calendar/tokens", "{}", &anna).status, 201);
  EXPECT_EQ(call("POST", "/api/calendar/tokens", "{}", &anna).status, 409);
  // Admins have no rota calendar; they may revoke.
  const auto ops = login("ops");
  EXPECT_EQ(call("POST", "/api/calendar/tokens", "{}", &ops).status, 403);
  // A calendar token is no session: the API refuses it as a cookie.
  Login as_cookie{"__Host-piket_session=" + token, "x"};
  EXPECT_EQ(call("GET", "/api/session", "", &as_cookie).status, 401);
}

// The route table (web_api.cpp): a path with no route is 404; a path with
// routes for other methods is 405 naming them. Neither needs a session, is
// audited or reaches the owning services.
TEST_F(WebApiTest, PathsWithoutARouteAre404AndOtherMethods405NamingThePathsMethods) {
  const auto before = audit_length();
  for (const auto* path : {"/api/nothing", "/api/board/", "/api/cases", "/api//board"}) {
    SCOPED_TRACE(path);
    const auto a = call("GET", path);
    EXPECT_EQ(a.status, 404);
    EXPECT_EQ(a.json().at("error").at("code"), "not_found");
  }
  EXPECT_EQ(call("POST", "/api/cases/" + kCaseA + "/events/more", "{}").status, 404);
  EXPECT_EQ(call("POST", "/api/pages/" + kPageA + "/answer", "{}").status, 404);
  struct Case {
    const char* method;
    std::string path;
    const char* allow;
  };
  for (const auto& c : std::vector<Case>{{"GET", "/api/login", "POST"},
                                         {"GET", "/api/logout", "POST"},
                                         {"POST", "/api/board", "GET"},
                                         {"GET", "/api/cases/" + kCaseA + "/events", "POST"},
                                         {"DELETE", "/api/calendar/tokens", "GET, POST"}}) {
    SCOPED_TRACE(c.path);
    const auto a = call(c.method, c.path, "{}");
    EXPECT_EQ(a.status, 405);
    EXPECT_EQ(a.allow, c.allow);
    EXPECT_EQ(a.json().at("error").at("code"), "method_not_allowed");
  }
  EXPECT_EQ(audit_length(), before);
  EXPECT_EQ(metric("piket_web_unauthenticated_total"), 0);
  EXPECT_TRUE(backend_.calls.empty());
}

// Redis stopped (a failover, a restart): /healthz stays 200 — web is alive, and a health
// checker that restarted it would only add to the outage — while /readyz is 503 naming Redis;
// with Redis back /readyz is 200 again, no restart.
TEST_F(WebApiTest, WithRedisStoppedHealthzStays200WhileReadyzIs503) {
  EXPECT_EQ(call("GET", "/healthz").status, 200);
  EXPECT_EQ(call("GET", "/readyz").status, 200);
  struct StartAgain {  // the suite's Redis, for the tests after this one even if it fails
    launch::RedisServer& server;
    ~StartAgain() {
      if (!server.running()) server.start();
    }
  } start_again{redis_->server()};

  redis_->server().stop();
  const auto alive = call("GET", "/healthz");
  EXPECT_EQ(alive.status, 200) << alive.body;
  const auto not_ready = call("GET", "/readyz");
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_NE(not_ready.body.find("not_ready"), std::string::npos) << not_ready.body;
  EXPECT_NE(not_ready.body.find("redis cannot be reached"), std::string::npos) << not_ready.body;

  redis_->server().start();
  int ready = 0;
  for (int i = 0; i < 100 && ready != 200; ++i) {
    ready = call("GET", "/readyz").status;
    if (ready != 200) std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  EXPECT_EQ(ready, 200) << "Redis back: ready again without a restart";
}

// A malformed id is refused after the session is checked, and audited.
TEST_F(WebApiTest, AMalformedCaseIdIsRefusedForThePersonAndAudited) {
  const auto anna = login("anna");
  for (const auto* path : {"/api/cases/", "/api/cases/not-a-case"}) {
    SCOPED_TRACE(path);
    EXPECT_EQ(call("GET", path, "", &anna).status, 404);
    expect_refusal_audited("anna", "case.read", "-");
  }
  EXPECT_EQ(call("POST", "/api/cases//events", R"({"type":"first_contact"})", &anna).status, 404);
  expect_refusal_audited("anna", "case.event", "-");
  EXPECT_TRUE(backend_.calls.empty());
}

// Web Push subscriptions (docs/web-push.md): off without a VAPID key; with
// one, a person registers the browser's subscription (validated, each
// refusal naming its field, nothing stored), renews it, is refused beyond the
// limit, removes it by endpoint; the audit trail names ids, never endpoints.
TEST_F(WebApiTest, PushSubscriptionsAreValidatedBoundedAuditedAndRemovable) {
  const auto anna = login("anna");
  EXPECT_EQ(call("GET", "/api/push/key", "", &anna).status, 404) << "no VAPID key: Web Push off";
  EXPECT_EQ(call("POST", "/api/push/subscriptions", "{}", &anna).status, 404);

  const auto vapid = push::P256Key::generate();
  auto with_push = make_api(push::base64url_encode(vapid.public_bytes()));
  std::swap(api_, with_push);

  auto a = call("GET", "/api/push/key", "", &anna);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(std::string(a.json().as_object().at("public_key").as_string()),
            push::base64url_encode(vapid.public_bytes()));

  const std::string p256dh = push::base64url_encode(push::P256Key::generate().public_bytes());
  const auto body = [&](const std::string& endpoint, const std::string& key,
                        const std::string& auth) {
    return R"({"endpoint":")" + endpoint + R"(","expirationTime":null,"keys":{"p256dh":")" + key +
           R"(","auth":")" + auth + R"("}})";
  };
  const std::string auth = "AAECAwQFBgcICQoLDA0ODw";
  const auto before = redis().command({"HLEN", store::webpush_subs_key("anna")}).integer;
  EXPECT_EQ(before, 0);
  for (const auto& [bad, field] : std::vector<std::pair<std::string, std::string>>{
           {body("http://push.example.net/x", p256dh, auth), "endpoint"},
           {body("https://push.example.net/x", "AAAA", auth), "keys.p256dh"},
           {body("https://push.example.net/x", p256dh, "AAAA"), "keys.auth"}}) {
    a = call("POST", "/api/push/subscriptions", bad, &anna);
    EXPECT_EQ(a.status, 400) << a.body;
    EXPECT_EQ(std::string(a.json().as_object().at("error").as_object().at("code").as_string()),
              "invalid_" + field);
    expect_refusal_audited("anna", "push.subscribe", "anna");
  }
  EXPECT_EQ(redis().command({"EXISTS", store::webpush_subs_key("anna")}).integer, 0);

  const std::string endpoint = "https://push.example.net/wpush/v2/secret-capability";
  a = call("POST", "/api/push/subscriptions", body(endpoint, p256dh, auth), &anna);
  ASSERT_EQ(a.status, 201) << a.body;
  const std::string id(a.json().as_object().at("id").as_string());
  EXPECT_EQ(last_audit()->record.action, "push.subscribe");
  EXPECT_EQ(call("POST", "/api/push/subscriptions", body(endpoint, p256dh, auth), &anna).status,
            200)
      << "the same endpoint again renews it";
  for (std::size_t i = 1; i < push::kMaxSubscriptionsPerPerson; ++i)
    EXPECT_EQ(call("POST", "/api/push/subscriptions",
                   body(endpoint + std::to_string(i), p256dh, auth), &anna)
                  .status,
              201);
  EXPECT_EQ(
      call("POST", "/api/push/subscriptions", body(endpoint + "x", p256dh, auth), &anna).status,
      409);
  a = call("GET", "/api/push/subscriptions", "", &anna);
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.json().as_object().at("subscriptions").as_array().size(),
            push::kMaxSubscriptionsPerPerson);
  EXPECT_EQ(a.body.find("secret-capability"), std::string::npos) << "endpoints are not listed";

  // bert cannot remove anna's; anna removes hers by endpoint; admins are not paged.
  const auto bert = login("bert");
  EXPECT_EQ(call("POST", "/api/push/subscriptions/remove", R"({"id":")" + id + "\"}", &bert).status,
            404);
  a = call("POST", "/api/push/subscriptions/remove", R"({"endpoint":")" + endpoint + "\"}", &anna);
  EXPECT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(last_audit()->record.action, "push.unsubscribe");
  EXPECT_EQ(redis().command({"HLEN", store::webpush_subs_key("anna")}).integer,
            static_cast<long long>(push::kMaxSubscriptionsPerPerson) - 1);
  const auto ops = login("ops");
  EXPECT_EQ(call("POST", "/api/push/subscriptions", body(endpoint, p256dh, auth), &ops).status,
            403);

  for (const auto& line :
       redis().command({"LRANGE", std::string(store::kAuditLog), "0", "-1"}).elements)
    EXPECT_EQ(line.str.find("secret-capability"), std::string::npos);
  std::swap(api_, with_push);
}

// Issue 18: a family's two messages to anna's case as inbound stores them (the
// first urgent), and the router's state of `acknowledged` (by anna).
void seed_family_messages(common::RedisConnection r, const std::string& acknowledged) {
  r.command(
      {"HSET", store::case_family_key(kCaseA), "seq", "2", "F1",
       R"({"at":1000,"urgent":true,"via":"sms","from":"victim","text":"Bel mij terug","state":"open"})",
       "F2",
       R"({"at":2000,"urgent":false,"via":"sms","from":"victim","text":"Nog een vraag","state":"open"})"});
  r.command({"HSET", store::family_route_key(kCaseA, acknowledged), "state", "acknowledged",
             "acknowledged_by", "anna"});
}

// Issue 18: a family's messages show in the case view (case content: only for
// who may read the case, and the read is audited), with who picked each up.
TEST_F(WebApiTest, AFamilysMessagesShowInTheCaseViewWithWhoPickedThemUp) {
  seed_family_messages(redis(), "F1");
  const auto anna = login("anna");
  const auto a = call("GET", "/api/cases/" + kCaseA, "", &anna);
  ASSERT_EQ(a.status, 200) << a.body;
  const auto m = boost::json::parse(a.body).at("family_messages").as_array();
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].at("text").as_string(), "Bel mij terug");
  EXPECT_TRUE(m[0].at("urgent").as_bool());
  EXPECT_EQ(m[0].at("state").as_string(), "acknowledged");
  EXPECT_EQ(m[0].at("acknowledged_by").as_string(), "anna");
  EXPECT_EQ(m[1].at("state").as_string(), "open");
  EXPECT_EQ(last_audit()->record.action, "case.read");
  const auto bert = login("bert");
  const auto b = call("GET", "/api/cases/" + kCaseA, "", &bert);
  EXPECT_EQ(b.status, 403);
  EXPECT_EQ(b.body.find("Bel mij"), std::string::npos);
}

// Issue 18: the board lists a family's messages nobody picked up yet, per case
// with their time and urgency, never their text.
TEST_F(WebApiTest, TheBoardListsAFamilysMessagesNotPickedUpWithoutTheirText) {
  seed_family_messages(redis(), "F2");
  const auto tina = login("tina");
  const auto b = call("GET", "/api/board?region=groningen", "", &tina);
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(b.body.find("Bel mij"), std::string::npos);
  const auto f = boost::json::parse(b.body).at("family").as_array();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].at("case").as_string(), kCaseA);
  EXPECT_EQ(f[0].at("message").as_string(), "F1");
  EXPECT_TRUE(f[0].at("urgent").as_bool());
  EXPECT_EQ(f[0].at("at").as_int64(), 1000);
}

}  // namespace
}  // namespace piket::web
