// Why a page reached the team lead: the labels on the board say what
// happened (declined vs not answered; extension decision vs the ban's end).
#include "piket/web/escalation_cause.hpp"

#include <gtest/gtest.h>

namespace piket::web {
namespace {

PageSummary page(std::string id, std::int64_t at, std::string incident = "I1") {
  PageSummary p;
  p.id = std::move(id);
  p.case_id = "C1";
  p.incident = std::move(incident);
  p.person = "x";
  p.state = "accepted";
  p.created_at = at;
  return p;
}

TEST(EscalationCause, AHomeBanClockIsTheExtensionDecisionOrTheBanEnd) {
  auto c = deadline_cause("deadline:home_ban:decision");
  EXPECT_EQ(c.clock, "ban_decision");
  EXPECT_EQ(c.why, "overdue");
  c = deadline_cause("deadline:home_ban:decision_unanswered");
  EXPECT_EQ(c.clock, "ban_decision");
  EXPECT_EQ(c.why, "unanswered");
  c = deadline_cause("deadline:home_ban:end");
  EXPECT_EQ(c.clock, "ban_end");
  EXPECT_EQ(c.why, "overdue");
  c = deadline_cause("deadline:plan:lead");
  EXPECT_EQ(c.clock, "plan");
  EXPECT_EQ(c.why, "overdue");
}

TEST(EscalationCause, APagingRuleIsNoClock) {
  const auto c = deadline_cause("escalation:0.2");
  EXPECT_TRUE(c.clock.empty());
  EXPECT_TRUE(c.why.empty());
}

TEST(EscalationCause, DeclinedWhenTheLastPageBeforeItWasDeclined) {
  auto first = page("P1", 1000);
  auto second = page("P2", 2000);
  second.declined_at = 2500;
  auto lead = page("P3", 3000);
  auto other_incident = page("P4", 2800, "I2");
  const std::vector<PageSummary> pages{first, second, lead, other_incident};
  EXPECT_EQ(page_cause(pages, lead), "declined");
  // The one before was not answered, though an earlier one was declined.
  second.declined_at.reset();
  first.declined_at = 1500;
  EXPECT_EQ(page_cause({first, second, lead}, lead), "unanswered");
  EXPECT_EQ(page_cause({lead}, lead), "unanswered");
}

TEST(EscalationCause, UnansweredLeavesOutAnsweredInformationAndStoodDown) {
  auto p = page("P1", 1);
  EXPECT_TRUE(unanswered(p));
  p.acknowledged_at = 2;
  EXPECT_FALSE(unanswered(p));
  p = page("P1", 1);
  p.declined_at = 2;
  EXPECT_FALSE(unanswered(p));
  p = page("P1", 1);
  p.info = true;
  EXPECT_FALSE(unanswered(p));
  p = page("P1", 1);
  p.state = "cancelled";
  EXPECT_FALSE(unanswered(p));
}

TEST(EscalationCause, UnansweredFromTheFactsTellsInformationByItsRule) {
  access::PageFact f;
  f.id = "P1";
  f.state = "accepted";
  f.rule = "on_call";
  EXPECT_TRUE(unanswered(f));
  f.rule = "inform";
  EXPECT_FALSE(unanswered(f));
  f.rule = "deadline:home_ban:end";
  EXPECT_FALSE(unanswered(f));
  f.rule = "team_lead";
  f.declined = true;
  EXPECT_FALSE(unanswered(f));
  f.declined = false;
  f.acknowledged_at = common::Instant{};
  EXPECT_FALSE(unanswered(f));
  f.acknowledged_at.reset();
  f.state = "cancelled";
  EXPECT_FALSE(unanswered(f));
}

}  // namespace
}  // namespace piket::web
