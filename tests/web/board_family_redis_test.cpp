// The board and the case view for issue 11 (items 5, 6, 7) against a real
// redis-server (label redis), with the real ServiceBackend: the caseload
// weighs monitoring cases, the gap view shows every on-call casemanager at
// their cap as a coverage problem, the board counts families back within a
// year, the case view lists the family's earlier and joined cases, and a
// team lead joins and splits cases through the web — audited, refused for
// anyone else; and the family's contact link (issue 18): made, shown and
// revoked in the case view, and the form it opens, with every field rule,
// every link that does not work, and its limits.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <sstream>

#include "piket/common/crypto.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/time_format.hpp"
#include "piket/config/config.hpp"
#include "piket/dispatch/capacity_alert.hpp"
#include "piket/rota/rota_file.hpp"
#include "piket/store/audit.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/family_contact.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/page.hpp"
#include "piket/web/audit_log.hpp"
#include "piket/web/file_rota_source.hpp"
#include "piket/web/live_updates.hpp"
#include "piket/web/password.hpp"
#include "piket/web/service_backend.hpp"
#include "piket/web/web_api.hpp"
#include "private_redis.hpp"
#include "small_rota.hpp"

namespace piket::web {
namespace {

namespace json = boost::json;
constexpr const char* kPassword = "password-of-test-1";
const common::Instant kNow = *common::parse_rfc3339("2026-11-22T12:00:00Z");

std::string config_text(std::uint16_t port, const std::string& hash) {
  std::string people;
  auto person = [&](const char* id, const char* role, const char* region, int cap) {
    people += std::string("[[people]]\nid = \"") + id + "\"\nname = \"Name of " + id +
              "\"\nrole = \"" + role + "\"\nphone = \"+4477009000" +
              std::to_string(people.size() % 90 + 10) + "\"\nregions = [\"" + region +
              "\"]\ncaseload_cap = " + std::to_string(cap) + "\npassword_argon2 = \"" + hash +
              "\"\n\n";
  };
  person("anna", "casemanager", "groningen", 2);
  person("bert", "casemanager", "groningen", 2);
  person("tina", "team_lead", "groningen", 50);
  return "[redis]\naddress = \"127.0.0.1:" + std::to_string(port) +
         "\"\n[kannel]\nusername = \"u\"\n[caseload]\nmonitoring_weight = 0.25\n\n"
         "[[regions]]\nid = \"groningen\"\nname = \"Groningen\"\n\n" +
         people + "[rota]\nfile = \"rota.toml\"\n";  // the tests give the rota as text
}

// Two-hour shifts from 13:00 Amsterdam (12:00Z): anna on call at 12:00Z on
// 2026-11-22, then bert; team lead tina.
std::string rota_text() {
  return ::piket::test::small_rota_file({.primary = {"anna", "bert"},
                                         .team_lead = "tina",
                                         .start = "2026-11-22",
                                         .handoff = "13:00",
                                         .shift_hours = 2});
}

class BoardFamilyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = new ::piket::test::PrivateRedis("piket-web-family");
    hash_ = new std::string(hash_password(kPassword, {1, 8 * 1024, 1}));
  }
  static void TearDownTestSuite() {
    delete redis_;
    delete hash_;
  }
  BoardFamilyTest()
      : config_(as_web(
            config::parse_config(config_text(redis_->config().address.port, *hash_), "t.toml"))),
        domain_(kNow),
        real_(kNow),
        pool_(config_.redis),
        metrics_("web-test"),
        rota_(rota::parse_rota_file(rota_text(), "rota.toml", config_.people), pool_),
        backend_(config_, config_.deadlines, config_.reply_code_window(),
                 config_.notify.push_stream_maxlen, config_.redis, pool_, domain_, real_) {
    redis().command({"FLUSHALL"});
    api_ = std::make_unique<WebApi>(WebDeps{config_.web,
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
  // piket-web runs as Redis user "web"; the test seeds and inspects as "ops".
  static config::Config as_web(config::Config c) {
    redis_->use_as(c, "web");
    return c;
  }
  common::RedisConnection redis() { return common::RedisConnection(redis_->config()); }

  // An open case as ingest and dispatch leave it.
  void seed_case(const std::string& id, const std::string& cm, const std::string& phase,
                 const std::string& household) {
    auto r = redis();
    const auto incident = "I0000000" + id.substr(1) + "X";
    r.command({"HSET", store::case_key(id), "region", "groningen", "partner", "police", "household",
               household, "opened_at", "1795000000000", "phase", phase, "state", "open",
               "casemanager", cm});
    r.command({"SET", store::household_key("police", household), id});
    r.command({"SADD", std::string(store::kCasesOpen), id});
    r.command({"SADD", store::caseload_key(cm), id});
    if (phase == "handover" || phase == "monitoring")
      r.command({"SADD", std::string(store::kCasesMonitoring), id});
    r.command({"HSET", store::incident_key(incident), "kind", "code_red", "reported_at",
               "1795000000000", "accepted_at", "1795000000000", "case_id", id, "status",
               "acknowledged", "body", R"({"summary":"Synthetic"})"});
    r.command({"RPUSH", store::case_incidents_key(id), incident});
    r.command({"RPUSH", store::case_timeline_key(id),
               R"({"at":1795000000000,"type":"incident_accepted","incident":")" + incident +
                   R"(","kind":"code_red","by":"partner:police"})"});
  }

  struct Login {
    std::string cookie, csrf;
  };
  std::pair<int, json::value> call(const std::string& method, const std::string& target,
                                   const Login& who, const std::string& body = {}) {
    common::HttpRequest r;
    r.method = method;
    r.target = target;
    const auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) r.query = target.substr(q + 1);
    r.body = body;
    r.remote = "10.1.2.3";
    r.headers.emplace_back("host", "piket.test");
    if (method == "POST") r.headers.emplace_back("content-type", "application/json");
    if (!who.cookie.empty()) {
      r.headers.emplace_back("cookie", who.cookie);
      r.headers.emplace_back("x-csrf-token", who.csrf);
    }
    auto reply = api_->handle(r);
    json::value v;
    boost::system::error_code ec;
    v = json::parse(reply.response.body, ec);
    return {reply.response.status, v};
  }
  Login login(const std::string& person) {
    common::HttpRequest r;
    r.method = "POST";
    r.path = r.target = "/api/login";
    r.remote = "10.1.2.3";
    r.headers = {{"host", "piket.test"}, {"content-type", "application/json"}};
    r.body = R"({"person":")" + person + R"(","password":")" + kPassword + R"("})";
    auto reply = api_->handle(r);
    EXPECT_EQ(reply.response.status, 200) << reply.response.body;
    Login l;
    for (const auto& [k, v] : reply.response.headers)
      if (k == "Set-Cookie") l.cookie = v.substr(0, v.find(';'));
    l.csrf = std::string(json::parse(reply.response.body).at("csrf").as_string());
    return l;
  }
  std::optional<ParsedEntry> last_audit() {
    auto r = redis().command({"LRANGE", std::string(store::kAuditLog), "-1", "-1"});
    if (r.elements.empty()) return std::nullopt;
    return parse_entry(r.elements[0].str);
  }

  static inline ::piket::test::PrivateRedis* redis_ = nullptr;
  static inline std::string* hash_ = nullptr;
  config::Config config_;
  common::SimulatedClock domain_, real_;
  common::RedisPool pool_;
  common::Metrics metrics_;
  LiveHub hub_;
  FileRotaSource rota_;
  ServiceBackend backend_;
  std::unique_ptr<WebApi> api_;
};

TEST_F(BoardFamilyTest, TheBoardWeighsMonitoringAndShowsAFullOnCallLayerAsAGap) {
  // anna (on call): one intensive case and two in monitoring — 1.5 of 2.
  seed_case("C0000001A", "anna", "help", "hh-1");
  seed_case("C0000002A", "anna", "monitoring", "hh-2");
  seed_case("C0000003A", "anna", "handover", "hh-3");
  const auto tina = login("tina");
  auto [status, board] = call("GET", "/api/board?region=groningen", tina);
  ASSERT_EQ(status, 200);
  json::object anna;
  for (const auto& c : board.at("caseload").as_array())
    if (c.at("person") == "anna") anna = c.as_object();
  EXPECT_EQ(anna.at("open").as_int64(), 3);
  EXPECT_EQ(anna.at("monitoring").as_int64(), 2);
  EXPECT_DOUBLE_EQ(anna.at("load").as_double(), 1.5);
  EXPECT_EQ(board.at("capacity").at("on_call_at_cap"), false);
  EXPECT_TRUE(board.at("capacity").at("since").is_null());

  // One more intensive case: anna, the only one on call, is at her cap —
  // and dispatch has noted the problem (as its script writes it).
  seed_case("C0000004A", "anna", "intake", "hh-4");
  redis().command({"HSET", store::capacity_key("groningen"), "since",
                   std::to_string(common::to_epoch_ms(kNow) - 600000), "past_on_call", "2",
                   "person", "tina"});
  std::tie(status, board) = call("GET", "/api/board?region=groningen", tina);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(board.at("capacity").at("on_call_at_cap"), true);
  EXPECT_EQ(board.at("capacity").at("since").as_int64(), common::to_epoch_ms(kNow) - 600000);
  EXPECT_EQ(board.at("capacity").at("past_on_call").as_int64(), 2);
  // No case or person data in it.
  EXPECT_EQ(json::serialize(board.at("capacity")).find("hh-"), std::string::npos);
}

TEST_F(BoardFamilyTest, TheBoardCountsFamiliesBackWithinAYear) {
  auto r = redis();
  r.command({"ZADD", store::returns_key("groningen"),
             std::to_string(common::to_epoch_ms(kNow) - 86400000LL * 30), "C0000001R"});
  r.command({"ZADD", store::returns_key("groningen"),
             std::to_string(common::to_epoch_ms(kNow) - 86400000LL * 200), "C0000002R"});
  r.command({"ZADD", store::returns_key("groningen"),
             std::to_string(common::to_epoch_ms(kNow) - 86400000LL * 400), "C0000003R"});
  const auto [status, board] = call("GET", "/api/board?region=groningen", login("tina"));
  ASSERT_EQ(status, 200);
  EXPECT_EQ(board.at("returning").at("within_year").as_int64(), 2);
}

TEST_F(BoardFamilyTest, ATeamLeadJoinsAndSplitsThroughTheWebAndBothAreAudited) {
  seed_case("C0000001S", "anna", "intake", "hh-pol");
  seed_case("C0000002V", "bert", "registered", "vt-77");
  redis().command({"HSET", store::case_key("C0000001S"), "previous_cases", "C0000009P",
                   "previous_case", "C0000009P"});
  // A casemanager may not.
  const auto anna = login("anna");
  auto [status, body] = call("POST", "/api/cases/C0000001S/join", anna,
                             R"({"other_case_id":"C0000002V","reason":"same family"})");
  EXPECT_EQ(status, 403);
  ASSERT_TRUE(last_audit());
  EXPECT_EQ(last_audit()->record.action, "case.join");
  EXPECT_EQ(last_audit()->record.outcome, "refused");
  EXPECT_EQ(redis().command({"HGET", store::case_key("C0000002V"), "state"}).str, "open");

  const auto tina = login("tina");
  std::tie(status, body) = call("POST", "/api/cases/C0000001S/join", tina,
                                R"({"other_case_id":"C0000002V","reason":"same family"})");
  ASSERT_EQ(status, 200) << json::serialize(body);
  auto audit = last_audit();
  ASSERT_TRUE(audit);
  EXPECT_EQ(audit->record.who, "tina");
  EXPECT_EQ(audit->record.action, "case.join");
  EXPECT_EQ(audit->record.outcome, "allowed");
  EXPECT_EQ(audit->record.target, "C0000001S");
  EXPECT_NE(audit->record.reason.find("C0000002V"), std::string::npos);
  EXPECT_EQ(redis().command({"HGET", store::case_key("C0000002V"), "merged_into"}).str,
            "C0000001S");

  // The case view: the family — earlier and joined cases — and one timeline.
  std::tie(status, body) = call("GET", "/api/cases/C0000001S", tina);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(body.at("previous_cases"), (json::array{"C0000009P"}));
  EXPECT_EQ(body.at("joined_cases"), (json::array{"C0000002V"}));
  EXPECT_EQ(body.at("can_join"), true);
  bool joined_entry = false;
  int accepted = 0;
  for (const auto& e : body.at("timeline").as_array()) {
    joined_entry = joined_entry || e.at("type") == "case_joined";
    accepted += e.at("type") == "incident_accepted";
  }
  EXPECT_TRUE(joined_entry);
  EXPECT_EQ(accepted, 2) << "the joined case's timeline is part of the view";
  int marked = 0;
  for (const auto& e : body.at("timeline").as_array())
    marked += e.as_object().contains("case") && e.at("case") == "C0000002V" &&
              std::string(e.at("text").as_string()).rfind("[C0000002V] ", 0) == 0;
  EXPECT_GE(marked, 1) << "entries of the joined case say so";
  std::tie(status, body) = call("GET", "/api/cases/C0000002V", tina);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(body.at("merged_into"), "C0000001S");

  // A wrong join is undone.
  std::tie(status, body) = call("POST", "/api/cases/C0000001S/split", tina,
                                R"({"other_case_id":"C0000002V","reason":"two families"})");
  ASSERT_EQ(status, 200) << json::serialize(body);
  audit = last_audit();
  ASSERT_TRUE(audit);
  EXPECT_EQ(audit->record.action, "case.split");
  EXPECT_EQ(audit->record.outcome, "allowed");
  EXPECT_EQ(redis().command({"HGET", store::case_key("C0000002V"), "state"}).str, "open");
  EXPECT_EQ(redis().command({"GET", store::household_key("police", "vt-77")}).str, "C0000002V");
  // Refused by the cases service (not joined): passed on, and audited as refused.
  std::tie(status, body) = call("POST", "/api/cases/C0000001S/split", tina,
                                R"({"other_case_id":"C0000002V","reason":"again"})");
  EXPECT_EQ(status, 409);
  EXPECT_EQ(body.at("error").at("code"), "not_joined");
  EXPECT_EQ(last_audit()->record.outcome, "refused");
}

// ---- the family's contact link and form (issue 18) ---------------------------------

// A request to the family's form: no session, from `from`.
common::HttpResponse form_request(
    WebApi& api, const std::string& method, const std::string& path, const std::string& body = {},
    const std::string& content_type = "application/x-www-form-urlencoded",
    const std::string& from = "10.9.8.7", const std::string& fetch_site = "same-origin") {
  common::HttpRequest r;
  r.method = method;
  r.path = r.target = path;
  r.remote = from;
  r.headers.emplace_back("host", "piket.test");
  if (method == "POST") {
    r.headers.emplace_back("content-type", content_type);
    r.headers.emplace_back("sec-fetch-site", fetch_site);
  }
  r.body = body;
  return api.handle(r).response;
}

std::string header(const common::HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

class FamilyLinkWebTest : public BoardFamilyTest {
 protected:
  void SetUp() override { seed_case(kCase, "anna", "intake", "hh-link"); }
  // A link made by `who` through the web: its path (/m/<secret>).
  std::string make_link(const Login& who) {
    const auto [status, body] = call("POST", "/api/cases/" + kCase + "/family-link", who, "{}");
    EXPECT_EQ(status, 201) << json::serialize(body);
    return status == 201 ? std::string(body.at("path").as_string()) : std::string();
  }
  common::HttpResponse post(const std::string& path, const std::string& body,
                            const std::string& from = "10.9.8.7") {
    return form_request(*api_, "POST", path, body, "application/x-www-form-urlencoded", from);
  }
  std::vector<std::string> family_fields() {
    return redis().command({"HKEYS", store::case_family_key(kCase)}).element_strings();
  }
  inline static const std::string kCase = "C0000001L";
};

// The casemanager makes a link (shown once), the case view says one is live
// (never its secret), a team lead's new one replaces it, and it is revoked;
// every step audited with the link's id, never its secret. Another
// casemanager is refused and changes nothing.
TEST_F(FamilyLinkWebTest, TheCasemanagerMakesAndRevokesTheLinkAndEachStepIsAudited) {
  const auto bert = login("bert");
  auto [status, body] = call("POST", "/api/cases/" + kCase + "/family-link", bert, "{}");
  EXPECT_EQ(status, 403);
  EXPECT_EQ(last_audit()->record.action, "case.family_link");
  EXPECT_EQ(last_audit()->record.outcome, "refused");
  EXPECT_TRUE(redis().command({"KEYS", "family:link:*"}).elements.empty());

  const auto anna = login("anna");
  const auto path = make_link(anna);
  ASSERT_EQ(path.rfind("/m/", 0), 0u);
  const auto secret = path.substr(3);
  auto audit = last_audit();
  ASSERT_TRUE(audit);
  EXPECT_EQ(audit->record.action, "case.family_link");
  EXPECT_EQ(audit->record.outcome, "allowed");
  EXPECT_EQ(audit->record.target, kCase);
  EXPECT_EQ(audit->record.reason.find(secret), std::string::npos);
  std::tie(status, body) = call("GET", "/api/cases/" + kCase, anna);
  ASSERT_EQ(status, 200);
  EXPECT_TRUE(body.at("can_link").as_bool());
  const std::string id(body.at("family_link").at("id").as_string());
  EXPECT_EQ(id, common::sha256_hex(secret).substr(0, 12));
  EXPECT_EQ(json::serialize(body).find(secret), std::string::npos);

  const auto tina = login("tina");
  std::tie(status, body) = call("POST", "/api/cases/" + kCase + "/family-link", tina, "{}");
  ASSERT_EQ(status, 201);
  EXPECT_EQ(body.at("replaced").as_string(), id);
  EXPECT_EQ(form_request(*api_, "GET", path).status, 404) << "the old link works no more";

  std::tie(status, body) = call("POST", "/api/cases/" + kCase + "/family-link/revoke", anna, "{}");
  ASSERT_EQ(status, 200);
  EXPECT_EQ(last_audit()->record.action, "case.family_link_revoke");
  std::tie(status, body) = call("POST", "/api/cases/" + kCase + "/family-link/revoke", anna, "{}");
  EXPECT_EQ(status, 404);
  EXPECT_EQ(body.at("error").at("code").as_string(), "no_link");
  std::tie(status, body) = call("GET", "/api/cases/" + kCase, anna);
  EXPECT_TRUE(body.at("family_link").is_null());
}

// The form: strict headers, no script; a message is stored as a family's SMS
// (via link) and its routing started; the answer names the role only.
TEST_F(FamilyLinkWebTest, AMessageByTheFormIsStoredAndTheAnswerNamesTheRole) {
  const auto path = make_link(login("anna"));
  const auto page = form_request(*api_, "GET", path);
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(header(page, "Content-Security-Policy").find("form-action 'self'"), std::string::npos);
  EXPECT_EQ(header(page, "Content-Security-Policy").find("script-src"), std::string::npos);
  EXPECT_EQ(header(page, "Cache-Control"), "no-store");
  EXPECT_EQ(header(page, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(page.body.find("<script"), std::string::npos);
  EXPECT_NE(page.body.find("Uw bericht"), std::string::npos);
  EXPECT_NE(page.body.find("Your message"), std::string::npos);
  EXPECT_EQ(page.body.find("Name of anna"), std::string::npos);

  auto r = post(path, "message=Bel+mij+terug+%C3%A9%C3%A9n+keer&urgent=1");
  ASSERT_EQ(r.status, 200) << r.body.substr(r.body.find("<main>"));
  EXPECT_NE(r.body.find("Uw casemanager neemt het op"), std::string::npos);
  EXPECT_EQ(r.body.find("Name of anna"), std::string::npos);
  const auto m =
      json::parse(redis().command({"HGET", store::case_family_key(kCase), "F1"}).str).as_object();
  EXPECT_EQ(m.at("text").as_string(), "Bel mij terug één keer");
  EXPECT_EQ(m.at("via").as_string(), "link");
  EXPECT_TRUE(m.at("urgent").as_bool());
  EXPECT_EQ(redis().command({"ZSCORE", std::string(store::kFamilyDue), kCase + "|F1"}).str,
            std::to_string(common::to_epoch_ms(kNow)));

  // anna absent: the casemanager on duty picks it up.
  redis().command({"HSET", store::person_absence_key("anna"), "since",
                   std::to_string(common::to_epoch_ms(kNow) - 1000)});
  r = post(path, "message=Nog+een");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("De casemanager van dienst neemt het op"), std::string::npos);
}

// Every field rule: 4xx that names the field, what was typed kept, nothing stored.
TEST_F(FamilyLinkWebTest, EveryFieldRuleNamesItsFieldAndStoresNothing) {
  const auto path = make_link(login("anna"));
  auto r = post(path, "message=+++&urgent=1");
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("in het vak 'Uw bericht'"), std::string::npos);
  EXPECT_NE(r.body.find("id=\"message\" name=\"message\" rows=\"8\" required maxlength=\"1000\" "
                        "aria-describedby=\"message-hint form-error\" aria-invalid=\"true\""),
            std::string::npos);
  r = post(path, "message=" + std::string(1001, 'a'));
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("hoogstens 1000 tekens"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(std::string(1001, 'a')), std::string::npos) << "what was typed is kept";
  r = post(path, "message=hallo&urgent=ja");
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("'Dit is dringend'"), std::string::npos);
  EXPECT_NE(r.body.find(">hallo</textarea>"), std::string::npos);
  r = post(path, "message=%C3%28");  // not UTF-8
  EXPECT_EQ(r.status, 422);
  r = form_request(*api_, "POST", path, R"({"message":"hallo"})", "application/json");
  EXPECT_EQ(r.status, 415);
  r = form_request(*api_, "POST", path, "message=hallo", "application/x-www-form-urlencoded",
                   "10.9.8.7", "cross-site");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(form_request(*api_, "PUT", path).status, 405);
  EXPECT_TRUE(family_fields().empty());
}

// Unknown, malformed, revoked, or its case closed: the same neutral page,
// nothing stored, counted.
TEST_F(FamilyLinkWebTest, EveryLinkThatDoesNotWorkGetsTheSameNeutralPage) {
  const auto anna = login("anna");
  const auto path = make_link(anna);
  const auto unknown = form_request(*api_, "GET", "/m/ABCDEFGHJKMNPQRSTVWXYZ0123");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("Deze link werkt niet"), std::string::npos);
  EXPECT_EQ(form_request(*api_, "GET", "/m/short").body, unknown.body);
  EXPECT_EQ(post("/m/ABCDEFGHJKMNPQRSTVWXYZ0123", "message=hallo").body, unknown.body);
  call("POST", "/api/cases/" + kCase + "/family-link/revoke", anna, "{}");
  EXPECT_EQ(form_request(*api_, "GET", path).body, unknown.body);
  EXPECT_EQ(post(path, "message=hallo").body, unknown.body);
  const auto again = make_link(anna);
  redis().command({"HSET", store::case_key(kCase), "state", "closed"});
  EXPECT_EQ(post(again, "message=hallo").body, unknown.body);
  EXPECT_EQ(form_request(*api_, "GET", again).status, 404);
  EXPECT_TRUE(family_fields().empty());
  std::istringstream lines(metrics_.render());
  std::string unknown_line;
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("piket_web_family_form_total{", 0) == 0 &&
        line.find("outcome=\"unknown\"") != std::string::npos)
      unknown_line = line;
  EXPECT_EQ(unknown_line.substr(unknown_line.rfind(' ') + 1), "7") << unknown_line;
}

// Per link: 5 messages an hour (as per number); per address: 30 requests,
// then 30 an hour — another address is not held up.
TEST_F(FamilyLinkWebTest, TheFormIsLimitedPerLinkAndPerAddress) {
  const auto path = make_link(login("anna"));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(post(path, "message=m").status, 200) << i;
  const auto over = post(path, "message=m");
  EXPECT_EQ(over.status, 429);
  EXPECT_NE(over.body.find("Probeer het over een uur opnieuw"), std::string::npos);
  EXPECT_EQ(family_fields().size(), 6u);  // seq and F1..F5
  for (int i = 0; i < 30; ++i) form_request(*api_, "GET", path, {}, {}, "10.7.7.7");
  EXPECT_EQ(form_request(*api_, "GET", path, {}, {}, "10.7.7.7").status, 429);
  EXPECT_EQ(form_request(*api_, "GET", path, {}, {}, "10.7.7.8").status, 200);
}

}  // namespace
}  // namespace piket::web
