// Scenario files: a valid one parses to what it says; every mistake is
// refused with the file, line and key named, all of them in one message.
#include "piket/planner/scenario.hpp"

#include <gtest/gtest.h>

#include "planner_test_support.hpp"

namespace piket::planner {
namespace {

const char* kValid = R"(
[scenario]
region = "groningen"
start = "2027-01-04T00:00:00+01:00"
days = 28
seed = 7
deployment = "piket.toml"

[arrivals]
home_ban = 2.5
code_red = 0.5
hour_profile = [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,3]

[people]
intake = {dist = "lognormal", median = 360, p90 = 480}
sick_share = 0.1
busy_declines = false
)";

Scenario parse(const std::string& text) {
  return parse_scenario(text, "s.toml", "/base");
}

// The message of the refusal of `text` (empty: accepted).
std::string refusal(const std::string& text) {
  try {
    parse(text);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return {};
}

std::string with(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(ScenarioTest, AValidScenarioSaysWhatItMeans) {
  const auto s = parse(kValid);
  EXPECT_EQ(s.region, "groningen");
  EXPECT_EQ(s.days, 28);
  EXPECT_EQ(s.seed, 7u);
  EXPECT_EQ(s.deployment, std::filesystem::path("/base/piket.toml"));
  ASSERT_EQ(s.arrivals.streams.size(), 2u);
  EXPECT_EQ(s.arrivals.streams[0].kind, common::IncidentKind::home_ban);
  EXPECT_DOUBLE_EQ(s.arrivals.streams[1].per_week, 0.5);
  EXPECT_DOUBLE_EQ(s.arrivals.hour_profile[23], 3);
  EXPECT_DOUBLE_EQ(s.arrivals.day_profile[0], 1);  // not given: flat
  EXPECT_EQ(s.people.intake.kind, Distribution::Kind::lognormal);
  EXPECT_DOUBLE_EQ(s.people.intake.b, 480);
  EXPECT_DOUBLE_EQ(s.people.sick_share, 0.1);
  EXPECT_FALSE(s.people.busy_declines);
  EXPECT_EQ(s.people.travel.kind, Distribution::Kind::uniform);  // the default model
}

TEST(ScenarioTest, EachMistakeIsRefusedNamingItsKey) {
  struct Bad {
    std::string from, to, says;
  };
  const std::vector<Bad> bad{
      {"days = 28", "days = 0", "s.toml:5: scenario.days: must be between 1 and 1098"},
      {"days = 28", "dayz = 28", "scenario.dayz: unknown key"},
      {"region = \"groningen\"", "region = \"Groningen!\"",
       "scenario.region: must be a lower-case id"},
      {"region = \"groningen\"\n", "", "scenario.region: required key is missing"},
      {"start = \"2027-01-04T00:00:00+01:00\"", "start = \"next monday\"",
       "scenario.start: must be RFC 3339 with offset"},
      {"home_ban = 2.5", "home_ban = -1", "arrivals.home_ban: must be between 0 and 1000"},
      {"home_ban = 2.5", "home_ban_lifted = 2.5", "arrivals.home_ban_lifted: unknown key"},
      {"hour_profile = [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,3]", "hour_profile = [1, 2]",
       "arrivals.hour_profile: must be a list of 24 numbers"},
      {"median = 360, p90 = 480", "median = 360, p90 = 300",
       "people.intake.p90: must be above median"},
      {"dist = \"lognormal\", median = 360, p90 = 480", "dist = \"gamma\"",
       "people.intake.dist: must be one of fixed, uniform, exponential, lognormal"},
      {"dist = \"lognormal\", median = 360, p90 = 480", "dist = \"uniform\", min = 5",
       "people.intake.max: required for dist = \"uniform\""},
      {"sick_share = 0.1", "sick_share = 0.9", "people.sick_share: must be between 0 and 0.5"},
      {"busy_declines = false", "busy_declines = \"no\"",
       "people.busy_declines: must be true or false"},
  };
  for (const auto& b : bad) {
    const auto message = refusal(with(kValid, b.from, b.to));
    EXPECT_NE(message.find(b.says), std::string::npos)
        << "for " << b.to << " got: " << (message.empty() ? "accepted" : message);
  }
}

TEST(ScenarioTest, NoIncidentsAtAllIsRefused) {
  const auto message = refusal(with(with(kValid, "home_ban = 2.5\n", ""), "code_red = 0.5\n", ""));
  EXPECT_NE(message.find("arrivals: no incidents"), std::string::npos) << message;
}

TEST(ScenarioTest, EveryProblemIsListedAtOnce) {
  const auto message =
      refusal(with(with(kValid, "days = 28", "days = 0"), "sick_share = 0.1", "sick_share = 2"));
  EXPECT_NE(message.find("scenario.days"), std::string::npos) << message;
  EXPECT_NE(message.find("people.sick_share"), std::string::npos) << message;
}

TEST(ScenarioTest, BrokenTomlNamesTheLine) {
  const auto message = refusal("[scenario]\nregion = \n");
  EXPECT_EQ(message.rfind("s.toml:2:", 0), 0u) << message;
}

TEST(ArrivalsCsvTest, ReadsTimesAndKindsInOrder) {
  const auto a = parse_arrivals_csv(
      "# time,kind\n2027-01-05T10:00:00+01:00,code_red\n\n2027-01-04T22:30:00Z,home_ban\r\n",
      "a.csv");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].kind, common::IncidentKind::home_ban);
  EXPECT_EQ(a[1].kind, common::IncidentKind::code_red);
  EXPECT_LT(a[0].at, a[1].at);
}

TEST(ArrivalsCsvTest, ABadLineIsRefusedNamingIt) {
  auto message = [](const std::string& text) -> std::string {
    try {
      parse_arrivals_csv(text, "a.csv");
    } catch (const ScenarioError& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_EQ(message("2027-01-05T10:00:00+01:00,code_red\nyesterday,home_ban\n"),
            "a.csv:2: time: must be RFC 3339 with offset");
  EXPECT_EQ(message("2027-01-05T10:00:00+01:00,home_ban_lifted\n"),
            "a.csv:1: kind: must be home_ban, code_red, repeat_incident or ban_violation");
  EXPECT_EQ(message("2027-01-05T10:00:00+01:00\n"), "a.csv:1: expected \"<RFC 3339 time>,<kind>\"");
}

TEST(ScenarioTest, TheSampleScenarioLoadsWithItsDeploymentAndRota) {
  const auto s = load_scenario(test::sample_scenario());
  EXPECT_EQ(s.region, "groningen");
  EXPECT_EQ(s.days, 365);
  const auto w = load_world(s);
  EXPECT_EQ(w.rota->on_call(rota::kPrimary, "groningen", s.start).size(), 1u);
  EXPECT_EQ(w.escalation.steps.size(), 3u);
  EXPECT_EQ(w.deadlines.policy("groningen", "home_ban").plan, std::chrono::hours{12});
}

TEST(ScenarioTest, ARegionTheDeploymentLacksIsRefused) {
  auto s = load_scenario(test::sample_scenario());
  s.region = "zuid";
  try {
    load_world(s);
    FAIL() << "accepted";
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("scenario.region: \"zuid\" is not a region"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace piket::planner
