// [escalation] and [[escalation.regions]]: values, defaults, and every
// problem reported with its line and key.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "piket/config/config.hpp"

namespace piket::paging {
namespace {

// The whole file is assembled by piket_config; its sections are their owners'.
using common::ConfigError;
using common::Millis;
using config::Config;
using config::load_config;
using config::parse_config;
using rota::ContactChannel;
using rota::PersonConfig;
using rota::StaffRole;

const std::string kFile = "deploy/test.toml";

std::string base(const std::string& extra) {
  return "[kannel]\nusername = \"u\"\n[rota]\nfile = \"rota.toml\"\n\n[[regions]]\nid = "
         "\"groningen\"\n\n"
         "[[regions]]\nid = \"drenthe\"\n\n" +
         extra;
}

// The ConfigError lines of `text` (empty when it loads).
std::vector<std::string> errors_of(const std::string& text) {
  try {
    parse_config(text, kFile);
  } catch (const ConfigError& e) {
    std::vector<std::string> out;
    std::string s = e.what();
    std::size_t start = 0;
    for (auto nl = s.find('\n'); nl != std::string::npos; nl = s.find('\n', start)) {
      out.push_back(s.substr(start, nl - start));
      start = nl + 1;
    }
    out.push_back(s.substr(start));
    return out;
  }
  return {};
}

int line_of(const std::string& text, const std::string& needle) {
  const auto pos = text.find(needle);
  EXPECT_NE(pos, std::string::npos) << needle;
  return 1 +
         static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n'));
}

void expect_single_error(const std::string& text, const std::string& needle, const std::string& key,
                         const std::string& what) {
  const auto errors = errors_of(text);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  const std::string prefix =
      kFile + ":" + std::to_string(line_of(text, needle)) + ": " + key + ": ";
  EXPECT_EQ(errors[0].substr(0, prefix.size()), prefix) << errors[0];
  EXPECT_NE(errors[0].find(what), std::string::npos) << errors[0];
}

const std::string kPolicy = R"(
[escalation]
steps = [
  {target = "primary", wait_minutes = 3},
  {target = "backup", wait_minutes = 4},
  {target = "team_lead", wait_minutes = 7},
]
repeat = 2
forgotten_minutes = 45
forgotten_repages = 1
poll_ms = 20

[[escalation.regions]]
region = "drenthe"
steps = [{target = "primary", wait_minutes = 2}, {target = "team_lead", wait_minutes = 1}]
repeat = 0
)";

// Without [escalation] paging still owns acknowledgement: the built-in policy
// pages the team lead when nobody acknowledged the primary's page in 15
// minutes, once — what the deadline engine's acknowledgement clock did.
TEST(EscalationConfigTest, AbsentMeansTheBuiltinPolicyTheTeamLeadAfterFifteenMinutesOnce) {
  const Config c = parse_config(base(""), kFile);
  for (const char* region : {"groningen", "drenthe"}) {
    const auto& p = c.escalation.policy(region);
    ASSERT_EQ(p.steps.size(), 2u) << region;
    EXPECT_EQ(p.steps[0].target, EscalationTarget::primary);
    EXPECT_EQ(p.steps[0].wait, std::chrono::minutes{15});
    EXPECT_EQ(p.steps[1].target, EscalationTarget::team_lead);
    EXPECT_EQ(p.steps[1].wait, std::chrono::minutes{15});
    EXPECT_EQ(p.repeat, 0) << "the team lead is paged once";
    EXPECT_EQ(p.forgotten, Millis{0}) << "no re-page: the first-contact clock covers it";
    EXPECT_EQ(p.forgotten_repages, 0);
  }
  EXPECT_TRUE(c.escalation.regions.empty());
  EXPECT_EQ(c.escalation.poll, Millis{50});
  // A page's reply code: the whole run (15 + 15 minutes) and the hour's grace.
  EXPECT_EQ(c.reply_code_window(), std::chrono::minutes{90});
}

TEST(EscalationConfigTest, PolicyAndRegionOverrideAreRead) {
  const Config c = parse_config(base(kPolicy), kFile);
  const auto& d = c.escalation.defaults;
  ASSERT_EQ(d.steps.size(), 3u);
  EXPECT_EQ(d.steps[0].target, EscalationTarget::primary);
  EXPECT_EQ(d.steps[1].target, EscalationTarget::backup);
  EXPECT_EQ(d.steps[2].target, EscalationTarget::team_lead);
  EXPECT_EQ(d.steps[0].wait, std::chrono::minutes{3});
  EXPECT_EQ(d.steps[1].wait, std::chrono::minutes{4});
  EXPECT_EQ(d.steps[2].wait, std::chrono::minutes{7});
  EXPECT_EQ(d.repeat, 2);
  EXPECT_EQ(d.forgotten, std::chrono::minutes{45});
  EXPECT_EQ(d.forgotten_repages, 1);
  EXPECT_EQ(c.escalation.poll, Millis{20});
  // Groningen has no policy of its own: the defaults.
  EXPECT_EQ(&c.escalation.policy("groningen"), &c.escalation.defaults);
  const auto& dr = c.escalation.policy("drenthe");
  ASSERT_EQ(dr.steps.size(), 2u);
  EXPECT_EQ(dr.steps[0].wait, std::chrono::minutes{2});
  EXPECT_EQ(dr.steps[1].target, EscalationTarget::team_lead);
  EXPECT_EQ(dr.repeat, 0);
  EXPECT_EQ(dr.forgotten, std::chrono::minutes{45});  // inherited
}

// A given section starts from the example policy (5 + 5 + 10 minutes, twice,
// re-pages), not the built-in one: a deployment that wrote [escalation] keeps
// what it had.
TEST(EscalationConfigTest, EmptyTableGetsTheDefaultSteps) {
  const Config c = parse_config(base("[escalation]\n"), kFile);
  const EscalationPolicy d;
  ASSERT_EQ(c.escalation.defaults.steps.size(), d.steps.size());
  EXPECT_EQ(c.escalation.defaults.steps.back().target, EscalationTarget::team_lead);
  EXPECT_EQ(c.escalation.defaults.repeat, d.repeat);
  EXPECT_EQ(c.escalation.defaults.forgotten, d.forgotten);
}

// The acknowledgement clock is gone from [deadlines]: its key is refused with
// or without [escalation], and whatever its value (0 turned it off before).
TEST(EscalationConfigTest, TheDeadlineAckTimeoutIsRefusedAndPointsToEscalation) {
  auto text = base(kPolicy + "\n[deadlines]\nack_timeout_minutes = 15\n");
  expect_single_error(text, "ack_timeout_minutes", "deadlines.ack_timeout_minutes", "[escalation]");
  text = base("[deadlines]\nack_timeout_minutes = 0\n");
  expect_single_error(text, "ack_timeout_minutes", "deadlines.ack_timeout_minutes", "[escalation]");
  text = base("[[deadlines.rules]]\nregion = \"drenthe\"\nack_timeout_minutes = 30\n");
  expect_single_error(text, "ack_timeout_minutes", "deadlines.rules.ack_timeout_minutes",
                      "[escalation]");
}

TEST(EscalationConfigTest, BadStepsAreNamed) {
  expect_single_error(base("[escalation]\nsteps = [{target = \"boss\", wait_minutes = 5}]\n"),
                      "steps", "escalation.steps[0].target", "\"team_lead\"");
  expect_single_error(base("[escalation]\nsteps = [{target = \"primary\", wait_minutes = 0}]\n"),
                      "steps", "escalation.steps[0].wait_minutes", "1");
  expect_single_error(base("[escalation]\nsteps = [{target = \"primary\"}]\n"), "steps",
                      "escalation.steps[0].wait_minutes", "missing");
  expect_single_error(
      base("[escalation]\nsteps = [{target = \"primary\", wait_minutes = 5, sms = 1}]\n"), "steps",
      "escalation.steps[0].sms", "unknown key");
  expect_single_error(base("[escalation]\nsteps = []\n"), "steps", "escalation.steps", "1-6");
  expect_single_error(base("[escalation]\nsteps = [{target = \"team_lead\", wait_minutes = 5}]\n"),
                      "steps", "escalation.steps[0].target", "must be \"primary\"");
  expect_single_error(base("[escalation]\nsteps = \"primary\"\n"), "steps", "escalation.steps",
                      "1-6");
}

TEST(EscalationConfigTest, BoundsAndUnknownKeys) {
  expect_single_error(base("[escalation]\nrepeat = 6\n"), "repeat", "escalation.repeat", "0");
  expect_single_error(base("[escalation]\nforgotten_minutes = -1\n"), "forgotten",
                      "escalation.forgotten_minutes", "0");
  expect_single_error(base("[escalation]\npoll_ms = 0\n"), "poll_ms", "escalation.poll_ms", "5");
  expect_single_error(base("[escalation]\nrepeats = 1\n"), "repeats", "escalation.repeats",
                      "unknown key");
}

TEST(EscalationConfigTest, RegionPoliciesAreChecked) {
  expect_single_error(base("[escalation]\n[[escalation.regions]]\nregion = \"utrecht\"\n"),
                      "utrecht", "escalation.regions.region", "unknown region utrecht");
  expect_single_error(base("[escalation]\n[[escalation.regions]]\nregion = \"drenthe\"\n"
                           "[[escalation.regions]]\nregion = 'drenthe'\nrepeat = 1\n"),
                      "'drenthe'", "escalation.regions.region", "already given");
  const auto missing = base("[escalation]\n[[escalation.regions]]\nrepeat = 1\n");
  expect_single_error(missing, "[[escalation.regions]]", "escalation.regions.region", "missing");
}

TEST(RegionConfigTest, RegionIdsFitInEveryPage) {
  const std::string ok(32, 'a');
  const std::string too_long(33, 'a');
  const auto base_with = [](const std::string& id) {
    return "[kannel]\nusername = \"u\"\n[rota]\nfile = \"rota.toml\"\n\n[[regions]]\nid = \"" + id +
           "\"\n";
  };
  EXPECT_TRUE(errors_of(base_with(ok)).empty());
  expect_single_error(base_with(too_long), too_long, "regions.id", "at most 32 characters");
}

}  // namespace
}  // namespace piket::paging
