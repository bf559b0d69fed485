// An incident's first-contact and plan clocks through the real deadline
// engine: deadlines from the policy, the team lead paged exactly when a
// clock is missed, nothing when both are met in time.
#include "piket/planner/deadline_walk.hpp"

#include <date/date.h>
#include <gtest/gtest.h>

#include "piket/cases/staff.hpp"

namespace piket::planner {
namespace {

using namespace std::chrono_literals;

struct Fixture {
  rota::Directory dir;
  cases::DeadlinesConfig deadlines;
  cases::StaffDirectory staff{dir};
  cases::EngineRules rules{deadlines, staff, 1h, nullptr};
  common::Instant t0 = common::Instant{date::sys_days{date::year{2027} / 3 / 1}} + 22h;

  Fixture() {
    dir.regions = {{"noord", "Noord"}};
    rota::PersonConfig cm, tl;
    cm.id = "icm-1";
    cm.regions = {"noord"};
    tl.id = "tl-1";
    tl.role = rota::StaffRole::team_lead;
    tl.regions = {"noord"};
    dir.people = {cm, tl};
  }
  cases::CaseState state(common::IncidentKind kind = common::IncidentKind::home_ban) const {
    cases::CaseState s;
    s.id = "C00000001";
    s.region = "noord";
    s.opened_at = s.phase_at = s.last_activity_at = t0;
    s.casemanager = "icm-1";
    cases::IncidentFacts f;
    f.id = "I0000000000000001";
    f.kind = kind;
    f.accepted_at = t0;
    s.incidents.push_back(f);
    return s;
  }
};

TEST(DeadlineWalkTest, BothClocksMetInTimeReachNobody) {
  Fixture f;
  const auto out = walk_incident_clocks(f.state(), f.rules, "I0000000000000001", f.t0 + 40min,
                                        f.t0 + 9h, f.t0 + 30 * 24h);
  ASSERT_TRUE(out.plan_due && out.contact_due);
  EXPECT_EQ(*out.plan_due, f.t0 + 12h);
  EXPECT_EQ(*out.contact_due, f.t0 + 3h);
  EXPECT_TRUE(out.team_lead_steps.empty());
  EXPECT_EQ(out.casemanager_steps, 1);  // the 8-hour warning before the plan
}

TEST(DeadlineWalkTest, ALatePlanGoesToTheTeamLeadAtItsDeadline) {
  Fixture f;
  const auto out = walk_incident_clocks(f.state(), f.rules, "I0000000000000001", f.t0 + 40min,
                                        f.t0 + 13h, f.t0 + 30 * 24h);
  ASSERT_EQ(out.team_lead_steps.size(), 1u);
  EXPECT_EQ(out.team_lead_steps[0], f.t0 + 12h);
}

TEST(DeadlineWalkTest, NoContactAndNoPlanEscalateBothClocks) {
  Fixture f;
  const auto out = walk_incident_clocks(f.state(), f.rules, "I0000000000000001", std::nullopt,
                                        std::nullopt, f.t0 + 2 * 24h);
  // First contact: due at 3 h, to the team lead after the grace (4 h); plan at 12 h.
  EXPECT_EQ(out.team_lead_steps, (std::vector<common::Instant>{f.t0 + 4h, f.t0 + 12h}));
}

TEST(DeadlineWalkTest, ThePolicyOfTheKindSetsTheDeadline) {
  Fixture f;
  cases::DeadlineRule rule;
  rule.kind = "code_red";
  rule.policy.first_contact = 1h;
  f.deadlines.rules.push_back(rule);
  const auto out =
      walk_incident_clocks(f.state(common::IncidentKind::code_red), f.rules, "I0000000000000001",
                           f.t0 + 30min, f.t0 + 8h, f.t0 + 30 * 24h);
  EXPECT_EQ(*out.contact_due, f.t0 + 1h);
}

}  // namespace
}  // namespace piket::planner
