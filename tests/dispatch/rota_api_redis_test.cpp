// RotaApi: calendar subscriptions open with calendar tokens only (whose
// calendar, revocation, no other token), and callers who may not change the
// rota are refused before their body is read.
#include <gtest/gtest.h>

#include <tuple>
#include <vector>

#include "piket/access/calendar_tokens.hpp"
#include "piket/common/crypto.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/config/config.hpp"
#include "piket/dispatch/live_rota.hpp"
#include "piket/dispatch/rota_api.hpp"
#include "piket/rota/rota_file.hpp"
#include "private_redis.hpp"

namespace piket::dispatch {
namespace {

std::string token_line(const std::string& token) {
  return "token_sha256 = \"" + common::sha256_hex(token) + "\"\n";
}

config::Config config_for(const common::RedisConfig& redis) {
  auto c = config::parse_config(
      "[kannel]\nusername = \"u\"\n[[regions]]\nid = \"groningen\"\n"
      "[[partners]]\nid = \"icm-a\"\nregions = [\"groningen\"]\n" +
          token_line("partner-token") + "[[admins]]\nid = \"ops\"\n" + token_line("admin-token") +
          "[[people]]\nid = \"icm-a\"\nname = \"A\"\nrole = \"casemanager\"\n"
          "phone = \"+447700900001\"\nregions = [\"groningen\"]\n" +
          token_line("icm-a-token") +
          "[[people]]\nid = \"icm-b\"\nname = \"B\"\nrole = \"casemanager\"\n"
          "phone = \"+447700900002\"\nregions = [\"groningen\"]\n" +
          token_line("icm-b-token") +
          "[[people]]\nid = \"tl\"\nname = \"TL\"\nrole = \"team_lead\"\n"
          "phone = \"+447700900010\"\nregions = [\"groningen\"]\n" +
          token_line("tl-token") + "[rota]\nfile = \"/nonexistent/rota.toml\"\n",
      "test.toml");
  c.redis = redis;
  return c;
}

constexpr const char* kRota = R"(
[[rotations]]
region = "groningen"
layer = "primary"
shift = "day"
handoff = "08:00"
start = 2026-11-01
members = ["icm-a", "icm-b"]
)";

// The calendar URL carries a calendar token (piket_access): read-only, one
// person's, revocable. Before, it carried the person's staff token, which
// opens the case API as well.
class RotaApiCalendarTest : public ::testing::Test {
 protected:
  RotaApiCalendarTest()
      : config_(config_for(redis_.config_as("dispatch"))),
        clock_(common::from_epoch_ms(1795420800000)),
        live_(rota::parse_rota_file(kRota, "rota.toml", config_.people), config_.people,
              config_.caseload, clock_, 30),
        pool_(config_.redis),
        conn_(redis_.config()),  // the web app makes calendar tokens
        api_(config_, config_.bearer_tokens(), clock_, live_, pool_) {}

  std::string token_of(const std::string& person) {
    auto c = access::CalendarTokens(conn_).create(person, person, clock_.now());
    EXPECT_TRUE(c);
    return c ? c->token : std::string();
  }
  int get(const std::string& path, const std::string& token, const std::string& bearer = {}) {
    common::HttpRequest r;
    r.method = "GET";
    r.path = path;
    r.query = "token=" + token;
    r.target = r.path + "?" + r.query;
    if (!bearer.empty()) r.headers.push_back({"authorization", "Bearer " + bearer});
    const auto resp = api_.handle(r);
    return resp ? resp->status : 0;
  }
  int person(const std::string& token) { return get("/v1/rota/calendar/person/icm-a.ics", token); }

  piket::test::PrivateRedis redis_{"piket-rota-api"};
  config::Config config_;
  common::SimulatedClock clock_;
  LiveRota live_;
  common::RedisPool pool_;
  common::RedisConnection conn_;
  RotaApi api_;
};

TEST_F(RotaApiCalendarTest, APersonCalendarOpensWithThatPersonsOrTheirTeamLeadsCalendarToken) {
  EXPECT_EQ(person(token_of("icm-a")), 200);
  EXPECT_EQ(person(token_of("tl")), 200);
  EXPECT_EQ(person(token_of("icm-b")), 403);
  // A layer calendar: for the region's people.
  EXPECT_EQ(get("/v1/rota/calendar/layer/groningen/primary.ics", token_of("icm-b")), 200);
  EXPECT_EQ(person("no-such-token"), 401);
  EXPECT_EQ(person("pcal_" + std::string(32, 'A')), 401) << "well-formed but never made";
}

TEST_F(RotaApiCalendarTest, StaffAdminAndPartnerTokensNoLongerOpenACalendar) {
  for (const auto* t : {"icm-a-token", "tl-token", "admin-token", "partner-token"}) {
    SCOPED_TRACE(t);
    EXPECT_EQ(person(t), 401);
    EXPECT_EQ(get("/v1/rota/calendar/layer/groningen/primary.ics", t), 401);
    EXPECT_EQ(get("/v1/rota/calendar/person/icm-a.ics", "", t), 401) << "nor as a header";
  }
}

TEST_F(RotaApiCalendarTest, ACalendarTokenOpensNothingElseAndDiesWhenRevoked) {
  const auto token = token_of("tl");
  for (const auto& path : {"/v1/rota/oncall", "/v1/rota/gaps", "/v1/rota/overrides"}) {
    common::HttpRequest r;
    r.method = "GET";
    r.target = r.path = path;
    r.query = "region=groningen&token=" + token;
    r.headers.push_back({"authorization", "Bearer " + token});
    EXPECT_EQ(api_.handle(r)->status, 401) << path;
  }
  EXPECT_EQ(person(token), 200);
  const auto id = access::CalendarTokens(conn_).list("tl").at(0).id;
  ASSERT_TRUE(access::CalendarTokens(conn_).revoke("tl", id));
  EXPECT_EQ(person(token), 401) << "revoked at once";
}

TEST_F(RotaApiCalendarTest, ATokenOfSomeoneNoLongerConfiguredOpensNothing) {
  const auto created = access::CalendarTokens(conn_).create("gone", "gone", clock_.now());
  ASSERT_TRUE(created);
  EXPECT_EQ(person(created->token), 401);
}

TEST(RotaApiRequestTest, WrongMethodsAre405AndOverridesTakeJsonOnly) {
  piket::test::PrivateRedis redis("piket-rota-api-405");
  const auto config = config_for(redis.config_as("dispatch"));
  common::SimulatedClock clock(common::from_epoch_ms(1795420800000));
  LiveRota live(rota::parse_rota_file(kRota, "rota.toml", config.people), config.people,
                config.caseload, clock, 30);
  common::RedisPool pool(config.redis);
  RotaApi api(config, config.bearer_tokens(), clock, live, pool);
  auto call = [&](const std::string& method, const std::string& path,
                  const std::string& content_type = {}) {
    common::HttpRequest r;
    r.method = method;
    r.target = r.path = path;
    r.headers.push_back({"authorization", "Bearer tl-token"});
    if (!content_type.empty()) r.headers.push_back({"content-type", content_type});
    r.body = R"({"region":"groningen"})";
    return *api.handle(r);
  };
  for (const auto& [method, path, allow] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"POST", "/v1/rota/oncall", "GET"},
           {"DELETE", "/v1/rota/gaps", "GET"},
           {"PUT", "/v1/rota/overrides", "GET, POST"},
           {"GET", "/v1/rota/overrides/O123", "DELETE"},
           {"POST", "/v1/rota/calendar/person/icm-a.ics", "GET"}}) {
    const auto r = call(method, path);
    EXPECT_EQ(r.status, 405) << method << " " << path;
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0].second, allow);
  }
  EXPECT_EQ(call("POST", "/v1/rota/overrides", "text/plain").status, 415);
  EXPECT_EQ(call("POST", "/v1/rota/overrides").status, 415);
  // JSON gets through to validation (this body lacks most fields).
  EXPECT_EQ(call("POST", "/v1/rota/overrides", "application/json").status / 100, 4);
  EXPECT_NE(call("POST", "/v1/rota/overrides", "application/json").status, 415);
  EXPECT_EQ(call("GET", "/v1/rota/nothing").status, 404);
}

TEST(RotaApiRequestTest, ACallerWhoMayNotChangeOverridesIsRefusedBeforeTheBodyIsRead) {
  piket::test::PrivateRedis redis("piket-rota-api-order");
  const auto config = config_for(redis.config());
  common::SimulatedClock clock(common::from_epoch_ms(1795420800000));
  LiveRota live(rota::parse_rota_file(kRota, "rota.toml", config.people), config.people,
                config.caseload, clock, 30);
  common::RedisPool pool(config.redis);
  RotaApi api(config, config.bearer_tokens(), clock, live, pool);
  auto post = [&](const std::string& token, const std::string& body,
                  const std::string& content_type = "application/json") {
    common::HttpRequest r;
    r.method = "POST";
    r.target = r.path = "/v1/rota/overrides";
    r.headers.push_back({"authorization", "Bearer " + token});
    r.headers.push_back({"content-type", content_type});
    r.body = body;
    return *api.handle(r);
  };
  // A body that validation refuses (unknown layer, no times): a partner and a
  // casemanager learn nothing of that — 403 whatever the body or its type.
  for (const auto* token : {"partner-token", "icm-a-token"}) {
    SCOPED_TRACE(token);
    for (const auto& [body, type] : std::vector<std::pair<std::string, std::string>>{
             {R"({"region":"groningen","layer":"nope"})", "application/json"},
             {"not json", "application/json"},
             {"x", "text/plain"}}) {
      const auto r = post(token, body, type);
      EXPECT_EQ(r.status, 403) << body << " " << r.body;
      EXPECT_EQ(r.body.find("layer"), std::string::npos) << r.body;
    }
    common::HttpRequest del;
    del.method = "DELETE";
    del.target = del.path = "/v1/rota/overrides/O123";
    del.headers.push_back({"authorization", std::string("Bearer ") + token});
    EXPECT_EQ(api.handle(del)->status, 403) << "not 404: no hint which overrides exist";
  }
  // A partner reads no rota at all.
  common::HttpRequest oncall;
  oncall.method = "GET";
  oncall.target = oncall.path = "/v1/rota/oncall";
  oncall.query = "region=groningen";
  oncall.headers.push_back({"authorization", "Bearer partner-token"});
  EXPECT_EQ(api.handle(oncall)->status, 403);
  // The team lead's bad body is validated as before.
  EXPECT_EQ(post("tl-token", R"({"region":"groningen","layer":"nope"})").status, 422);
}

}  // namespace
}  // namespace piket::dispatch
