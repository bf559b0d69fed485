// [deadlines] and [[deadlines.rules]]: defaults, the most specific rule wins,
// and every mistake is reported with its line and key.
#include <gtest/gtest.h>

#include "test_config.hpp"

namespace piket::common {
namespace {

using namespace std::chrono_literals;
using cases::IncidentClocks;
using cases::test::test_config;

TEST(DeadlineConfig, DefaultsAreTheDocumentedOnes) {
  const auto c = test_config();
  const auto& p = c.deadline_policy("groningen", "home_ban");
  EXPECT_EQ(p.plan, 12h);
  EXPECT_EQ(p.plan_warnings, (std::vector<Millis>{8h, 11h}));
  EXPECT_EQ(p.ban_decision_before, 48h);
  EXPECT_EQ(p.handover_warn_days, 91);
  EXPECT_EQ(p.handover_due_days, 122);
  EXPECT_EQ(p.checkin_intensive_days, 5);  // + 2 days' grace: the team lead within the week
  EXPECT_EQ(p.stall_grace_intensive_days, 2);
  EXPECT_EQ(p.reminder_ack, 24h);
  EXPECT_EQ(p.evaluation_from_days, 152);
  EXPECT_FALSE(p.incident_clocks) << "unset: each kind's own default";
  EXPECT_FALSE(p.incident_clocks_since);
  EXPECT_EQ(p.checkin_monitoring_days, 30);
  EXPECT_EQ(p.evaluation_days, 182);
  EXPECT_EQ(p.closing_days, 365);
  EXPECT_EQ(c.cases.http.port, 8085);
  EXPECT_EQ(c.cases.poll, 10ms);
}

TEST(DeadlineConfig, TheMostSpecificRuleWins) {
  const auto c = test_config(R"(
[cases]
http = "127.0.0.1:9999"
poll_ms = 5

[deadlines]
plan_hours = 10
plan_warn_hours = [6, 9]

[[deadlines.rules]]
region = "drenthe"
plan_hours = 11

[[deadlines.rules]]
kind = "code_red"
first_contact_minutes = 60

[[deadlines.rules]]
region = "drenthe"
kind = "code_red"
first_contact_minutes = 30
)");
  EXPECT_EQ(c.cases.http.port, 9999);
  EXPECT_EQ(c.cases.poll, 5ms);
  EXPECT_EQ(c.deadline_policy("groningen", "home_ban").plan, 10h);
  EXPECT_EQ(c.deadline_policy("drenthe", "home_ban").plan, 11h);
  EXPECT_EQ(c.deadline_policy("drenthe", "home_ban").plan_warnings, (std::vector<Millis>{6h, 9h}));
  EXPECT_EQ(c.deadline_policy("groningen", "code_red").first_contact, 60min);
  EXPECT_EQ(c.deadline_policy("groningen", "code_red").plan, 10h);
  EXPECT_EQ(c.deadline_policy("drenthe", "code_red").first_contact, 30min);
  EXPECT_EQ(c.deadline_policy("drenthe", "code_red").plan, 10h) << "a rule inherits [deadlines]";
}

TEST(DeadlineConfig, TheKeysOfClocksPerIncidentRemindersAndTheEvaluationWindow) {
  const auto c = test_config(R"(
[deadlines]
reminder_ack_hours = 12
evaluation_from_days = 140
incident_clocks_since = "2027-03-01T00:00:00+01:00"

[[deadlines.rules]]
kind = "repeat_incident"
incident_clocks = ["plan", "first_contact"]

[[deadlines.rules]]
kind = "ban_violation"
incident_clocks = []
reminder_ack_hours = 0
)");
  const auto& d = c.deadline_policy("groningen", "home_ban");
  EXPECT_EQ(d.reminder_ack, 12h);
  EXPECT_EQ(d.evaluation_from_days, 140);
  ASSERT_TRUE(d.incident_clocks_since);
  EXPECT_EQ(*d.incident_clocks_since, cases::test::at("2027-02-28T23:00:00Z"));
  const auto& r = c.deadline_policy("groningen", "repeat_incident");
  ASSERT_TRUE(r.incident_clocks);
  EXPECT_EQ(*r.incident_clocks, (IncidentClocks{true, true}));
  EXPECT_EQ(r.incident_clocks_since, d.incident_clocks_since) << "rules inherit it";
  const auto& v = c.deadline_policy("groningen", "ban_violation");
  EXPECT_EQ(*v.incident_clocks, (IncidentClocks{false, false}));
  EXPECT_EQ(v.reminder_ack, 0h);
}

void expect_error(const std::string& extra, const std::string& needle) {
  try {
    test_config(extra);
    ADD_FAILURE() << "accepted: " << extra;
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cases-test.toml:"), std::string::npos) << e.what();
  }
}

TEST(DeadlineConfig, MistakesAreNamed) {
  expect_error("[deadlines]\nplan_hourz = 3\n", "deadlines.plan_hourz: unknown key");
  expect_error("[deadlines]\nplan_hours = 0\n", "deadlines.plan_hours: must be between 1 and 672");
  expect_error("[deadlines]\nplan_warn_hours = [11, 8]\n",
               "deadlines.plan_warn_hours[1]: must be later than the warning before it");
  expect_error("[deadlines]\nplan_hours = 6\n",
               "deadlines.plan_warn_hours: every warning must come before plan_hours");
  expect_error("[deadlines]\nhandover_warn_days = 200\n",
               "deadlines.handover_warn_days: must be less than handover_due_days");
  expect_error("[[deadlines.rules]]\nregion = \"friesland\"\n",
               "deadlines.rules.region: unknown region friesland");
  expect_error("[[deadlines.rules]]\nkind = \"burglary\"\n",
               "deadlines.rules.kind: must be an incident kind");
  expect_error("[[deadlines.rules]]\nplan_hours = 5\nplan_warn_hours = [4]\n",
               "a rule needs a region, a kind or both");
  expect_error(
      "[[deadlines.rules]]\nkind = \"code_red\"\n\n[[deadlines.rules]]\nkind = \"code_red\"\n",
      "already given");
  expect_error("[cases]\npoll_ms = 0\n", "cases.poll_ms: must be between 1 and 1000");
  expect_error("[deadlines]\nreminder_ack_hours = 169\n",
               "deadlines.reminder_ack_hours: must be between 0 and 168");
  expect_error("[deadlines]\nevaluation_from_days = 200\n",
               "deadlines.evaluation_from_days: must not be more than evaluation_days");
  expect_error("[deadlines]\nincident_clocks = [\"plan\", \"plan\"]\n",
               "deadlines.incident_clocks[1]: must be \"first_contact\" or \"plan\", each once");
  expect_error("[deadlines]\nincident_clocks = [\"intake\"]\n",
               "deadlines.incident_clocks[0]: must be");
  expect_error("[deadlines]\nincident_clocks = \"plan\"\n",
               "deadlines.incident_clocks: must be a list");
  expect_error(
      "[[deadlines.rules]]\nkind = \"code_red\"\nincident_clocks_since = "
      "\"2027-03-01T00:00:00Z\"\n",
      "deadlines.rules.incident_clocks_since: unknown key");
  expect_error("[deadlines]\nincident_clocks_since = \"yesterday\"\n",
               "deadlines.incident_clocks_since");
}

// The acknowledgement clock went to paging: its key, anywhere in [deadlines],
// is a mistake that says where the setting lives now — whatever its value,
// with or without [escalation].
TEST(DeadlineConfig, TheAcknowledgementTimeoutIsRefusedAndPointsToEscalation) {
  for (const char* value : {"15", "0", "45"}) {
    expect_error(std::string("[deadlines]\nack_timeout_minutes = ") + value + "\n",
                 "deadlines.ack_timeout_minutes: is no longer a deadline setting");
    expect_error(std::string("[deadlines]\nack_timeout_minutes = ") + value + "\n", "[escalation]");
  }
  expect_error("[[deadlines.rules]]\nkind = \"code_red\"\nack_timeout_minutes = 5\n",
               "deadlines.rules.ack_timeout_minutes: is no longer a deadline setting");
  expect_error("[escalation]\n\n[deadlines]\nack_timeout_minutes = 15\n",
               "deadlines.ack_timeout_minutes: is no longer a deadline setting");
  // One error for the key, not an "unknown key" besides.
  try {
    test_config("[deadlines]\nack_timeout_minutes = 15\n");
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).find("unknown key"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace piket::common
