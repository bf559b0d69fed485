// RotaApi's calendar subscriptions: who may read whose calendar. A partner
// whose id happens to equal a person's id must not get that person's rota.
#include <gtest/gtest.h>

#include <tuple>
#include <vector>

#include "piket/common/config.hpp"
#include "piket/common/crypto.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/dispatch/live_rota.hpp"
#include "piket/dispatch/rota_api.hpp"
#include "piket/rota/rota_file.hpp"
#include "private_redis.hpp"

namespace piket::dispatch {
namespace {

std::string token_line(const std::string& token) {
  return "token_sha256 = \"" + common::sha256_hex(token) + "\"\n";
}

common::Config config_for(const common::RedisConfig& redis) {
  auto c = common::parse_config(
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

TEST(RotaApiCalendarTest, APersonCalendarIsForThatPersonTheirTeamLeadAndAdminsOnly) {
  piket::test::PrivateRedis redis("piket-rota-api");
  const auto config = config_for(redis.config_as("dispatch"));
  common::SimulatedClock clock(common::from_epoch_ms(1795420800000));
  LiveRota live(rota::parse_rota_file(kRota, "rota.toml", config.people), config, clock, 30);
  common::RedisPool pool(config.redis);
  RotaApi api(config, clock, live, pool);
  auto get = [&](const std::string& token) {
    common::HttpRequest r;
    r.method = "GET";
    r.path = "/v1/rota/calendar/person/icm-a.ics";
    r.query = "token=" + token;
    r.target = r.path + "?" + r.query;
    const auto resp = api.handle(r);
    return resp ? resp->status : 0;
  };
  EXPECT_EQ(get("icm-a-token"), 200);
  EXPECT_EQ(get("tl-token"), 200);
  EXPECT_EQ(get("admin-token"), 200);
  EXPECT_EQ(get("icm-b-token"), 403);
  EXPECT_EQ(get("partner-token"), 403) << "a partner named like a person read their rota";
  EXPECT_EQ(get("no-such-token"), 401);
}

TEST(RotaApiRequestTest, WrongMethodsAre405AndOverridesTakeJsonOnly) {
  piket::test::PrivateRedis redis("piket-rota-api-405");
  const auto config = config_for(redis.config_as("dispatch"));
  common::SimulatedClock clock(common::from_epoch_ms(1795420800000));
  LiveRota live(rota::parse_rota_file(kRota, "rota.toml", config.people), config, clock, 30);
  common::RedisPool pool(config.redis);
  RotaApi api(config, clock, live, pool);
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

}  // namespace
}  // namespace piket::dispatch
