// The handover (issue 16), with no I/O: it names who takes over and is
// accepted only with direct safety and a help plan confirmed, or by a team
// lead's override with a reason; refusals name the field and change nothing;
// after it the check-in cadence chosen for the case, within the policy's
// bounds, runs as the stall clock.
#include "piket/cases/handover.hpp"

#include <gtest/gtest.h>

#include "engine_support.hpp"
#include "piket/cases/calendar.hpp"
#include "piket/config/config.hpp"
#include "test_config.hpp"

namespace piket::cases {
namespace {

using namespace std::chrono_literals;
using common::ApiRefusal;
using common::Instant;
using test::at;

constexpr auto day = std::chrono::hours{24};

class HandoverTest : public ::testing::Test {
 protected:
  config::Config config_ =
      test::test_config("[deadlines]\ncheckin_min_days = 3\ncheckin_max_days = 45\n");
  StaffDirectory staff_{config_};
  EngineRules rules_{config_.deadlines, staff_, config_.reply_code_window()};
  const Instant t0_ = at("2026-11-22T13:00:00Z");
  const Instant when_ = t0_ + 100 * day;
  const Actor icm1_{"icm-1", rota::StaffRole::casemanager, {"groningen"}};
  const Actor lead_{"tl-g", rota::StaffRole::team_lead, {"groningen"}};

  // A case in help since day 1.
  CaseState in_help() const {
    CaseState s;
    s.id = "C0000000H";
    s.region = "groningen";
    s.opened_at = t0_;
    s.casemanager = "icm-1";
    s.phase = Phase::help;
    s.first_contact_at = s.intake_at = s.plan_at = t0_ + 2h;
    s.help_at = s.phase_at = t0_ + day;
    s.last_activity_at = t0_ + 98 * day;
    return s;
  }

  // Parses `fields` as a handover event's body and applies it for `actor`.
  std::variant<Change, ApiRefusal> handover(const std::string& fields, const Actor& actor) const {
    const auto body = R"({"type":"handover")" + (fields.empty() ? "" : "," + fields) + "}";
    auto parsed = parse_event(body, when_);
    if (auto* r = std::get_if<ApiRefusal>(&parsed)) return *r;
    return apply_event(in_help(), std::get<EventRequest>(parsed), actor, rules_, when_);
  }
  ApiRefusal refusal(const std::string& fields, const Actor& actor) const {
    auto r = handover(fields, actor);
    if (auto* refused = std::get_if<ApiRefusal>(&r)) return *refused;
    ADD_FAILURE() << "accepted: " << fields;
    return {};
  }

  static constexpr const char* kWho =
      R"("receiving_organisation":"Synthetic local team","receiving_role":"casusregisseur")";
};

TEST_F(HandoverTest, WithoutItsConditionsACasemanagersHandoverIsRefusedNamingTheField) {
  const std::string who = kWho;
  struct Case {
    std::string fields, field;
  };
  const Case cases[] = {
      {"", "receiving_organisation"},
      {R"("receiving_role":"casusregisseur","safety_reached":true,"help_plan_exists":true)",
       "receiving_organisation"},
      {R"("receiving_organisation":"Synthetic local team","safety_reached":true,"help_plan_exists":true)",
       "receiving_role"},
      {who, "safety_reached"},
      {who + R"(,"safety_reached":false,"help_plan_exists":true)", "safety_reached"},
      {who + R"(,"safety_reached":true)", "help_plan_exists"},
      {who + R"(,"safety_reached":true,"help_plan_exists":false,"reason":"plan follows")",
       "help_plan_exists"},  // only a team lead overrides
      {who + R"(,"safety_reached":"yes","help_plan_exists":true)", "safety_reached"},
      {R"("receiving_organisation":")" + std::string(101, 'x') +
           R"(","receiving_role":"r","safety_reached":true,"help_plan_exists":true)",
       "receiving_organisation"},
      {R"("receiving_organisation":"o","receiving_role":")" + std::string(61, 'x') +
           R"(","safety_reached":true,"help_plan_exists":true)",
       "receiving_role"},
      {R"("receiving_organisation":"","receiving_role":"r","safety_reached":true,"help_plan_exists":true)",
       "receiving_organisation"},
      {who + R"(,"safety_reached":true,"help_plan_exists":true,"checkin_days":2)",
       "checkin_days"},  // below the policy's 3
      {who + R"(,"safety_reached":true,"help_plan_exists":true,"checkin_days":46)",
       "checkin_days"},  // above its 45
      {who + R"(,"safety_reached":true,"help_plan_exists":true,"checkin_days":"weekly")",
       "checkin_days"},
  };
  for (const auto& c : cases) {
    const auto r = refusal(c.fields, icm1_);
    EXPECT_EQ(r.status, 422) << c.fields;
    EXPECT_EQ(r.field, c.field) << c.fields << " → " << r.code;
  }
}

TEST_F(HandoverTest, HandoverFieldsBelongToAHandoverOnly) {
  auto parsed = parse_event(R"({"type":"monitoring_contact","safety_reached":true})", when_);
  ASSERT_TRUE(std::holds_alternative<ApiRefusal>(parsed));
  EXPECT_EQ(std::get<ApiRefusal>(parsed).field, "safety_reached");
  EXPECT_EQ(std::get<ApiRefusal>(parsed).code, "unknown_field");
}

TEST_F(HandoverTest, WithBothConditionsItIsAcceptedAndNamesWhoTakesOver) {
  const auto r =
      handover(std::string(kWho) + R"(,"safety_reached":true,"help_plan_exists":true)", icm1_);
  ASSERT_TRUE(std::holds_alternative<Change>(r));
  const auto& c = std::get<Change>(r);
  EXPECT_EQ(c.after.phase, Phase::handover);
  const std::map<std::string, std::string> fields(c.fields.begin(), c.fields.end());
  EXPECT_EQ(fields.at("handover_organisation"), "Synthetic local team");
  EXPECT_EQ(fields.at("handover_role"), "casusregisseur");
  EXPECT_NE(c.timeline_json.find(R"("safety_reached":true)"), std::string::npos);
  EXPECT_EQ(c.timeline_json.find("override"), std::string::npos);
}

TEST_F(HandoverTest, ATeamLeadOverridesWithAReason) {
  const std::string missing = std::string(kWho) + R"(,"safety_reached":true)";
  EXPECT_EQ(refusal(missing, lead_).field, "reason");
  const auto r = handover(missing + R"(,"reason":"plan is written this week")", lead_);
  ASSERT_TRUE(std::holds_alternative<Change>(r));
  EXPECT_NE(std::get<Change>(r).timeline_json.find(R"("override":true)"), std::string::npos);
  EXPECT_EQ(std::get<Change>(r).after.phase, Phase::handover);
}

TEST_F(HandoverTest, TheChosenCadenceRunsAsTheCheckinClock) {
  auto chosen = handover(
      std::string(kWho) + R"(,"safety_reached":true,"help_plan_exists":true,"checkin_days":14)",
      icm1_);
  ASSERT_TRUE(std::holds_alternative<Change>(chosen));
  auto s = std::get<Change>(chosen).after;
  EXPECT_EQ(s.checkin_days, 14);
  // The reminder 14 calendar days after the handover (the last activity), the
  // team lead after the monitoring grace (7 days).
  auto remind = [](const Evaluation& ev) -> std::optional<Instant> {
    for (const auto& c : ev.clocks)
      if (c.clock == ClockKind::checkin && c.next) return c.next->due;
    return std::nullopt;
  };
  EXPECT_EQ(remind(evaluate(s, rules_, when_)), add_calendar_days(when_, 14));
  const auto taken = test::live(s, rules_, when_, add_calendar_days(when_, 21));
  std::vector<std::string> checkins;
  for (const auto& t : taken)
    if (t.clock == "checkin") checkins.push_back(t.step + "->" + t.to);
  EXPECT_EQ(checkins, (std::vector<std::string>{"remind->icm-1", "escalate->tl-g"}));

  // Without a choice: the policy's monthly cadence.
  auto plain =
      handover(std::string(kWho) + R"(,"safety_reached":true,"help_plan_exists":true)", icm1_);
  const auto& s2 = std::get<Change>(plain).after;
  EXPECT_FALSE(s2.checkin_days);
  EXPECT_EQ(remind(evaluate(s2, rules_, when_)), add_calendar_days(when_, 30));
}

TEST_F(HandoverTest, TheCadenceBoundsAreConfigurableAndConsistent) {
  const auto d = test::test_config().deadlines.defaults;
  EXPECT_EQ(d.checkin_min_days, 1);
  EXPECT_EQ(d.checkin_max_days, 60);
  EXPECT_THROW(test::test_config("[deadlines]\ncheckin_min_days = 10\ncheckin_max_days = 5\n"),
               common::ConfigError);
  EXPECT_THROW(test::test_config("[deadlines]\ncheckin_max_days = 181\n"), common::ConfigError);
}

}  // namespace
}  // namespace piket::cases
