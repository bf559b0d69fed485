// The board's trend charts from timelines.
#include "piket/web/charts.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "piket/common/time_format.hpp"

namespace piket::web {
namespace {

using common::Instant;
Instant at(const char* rfc3339) {
  return *common::parse_rfc3339(rfc3339);
}
std::int64_t ms(const char* rfc3339) {
  return common::to_epoch_ms(at(rfc3339));
}

boost::json::object ev(const char* t, const char* type,
                       std::initializer_list<std::pair<const char*, const char*>> more = {}) {
  boost::json::object o{{"at", ms(t)}, {"type", type}};
  for (const auto& [k, v] : more) o[k] = v;
  return o;
}

TEST(Charts, WeeksStartOnMonday) {
  EXPECT_EQ(week_start(at("2026-11-22T20:00:00Z")), at("2026-11-16T00:00:00Z"));  // a Sunday
  EXPECT_EQ(week_start(at("2026-11-23T00:00:00Z")), at("2026-11-23T00:00:00Z"));  // a Monday
}

TEST(Charts, PlansWithinTwelveHoursPerWeek) {
  std::vector<CaseHistory> cases{
      {"C1",
       {ev("2026-11-16T10:00:00Z", "incident_accepted"),
        ev("2026-11-16T18:00:00Z", "plan_of_action")}},
      {"C2",
       {ev("2026-11-17T10:00:00Z", "incident_accepted"),
        ev("2026-11-18T10:00:00Z", "plan_of_action")}},
      {"C3", {ev("2026-11-18T10:00:00Z", "incident_accepted")}},  // missed
      {"C4", {ev("2026-11-22T19:00:00Z", "incident_accepted")}},  // not yet due
  };
  const auto c = compute_charts(cases, at("2026-11-22T20:00:00Z"), 4, 7);
  ASSERT_EQ(c.weeks.size(), 4u);
  EXPECT_EQ(c.weeks.back(), common::to_epoch_ms(at("2026-11-16T00:00:00Z")) / 1000);
  EXPECT_EQ(c.plans_due.back(), 3);
  EXPECT_EQ(c.plans_made_in_time.back(), 1);
  ASSERT_TRUE(c.plan_share.back());
  EXPECT_NEAR(*c.plan_share.back(), 1.0 / 3, 1e-9);
  EXPECT_FALSE(c.plan_share.front()) << "a week with nothing due has no share";
}

TEST(Charts, TimeToAcknowledgeAndEscalations) {
  std::vector<CaseHistory> cases{
      {"C1",
       {ev("2026-11-20T10:00:00Z", "paged", {{"page", "P1"}, {"person", "anna"}}),
        ev("2026-11-20T10:00:30Z", "acknowledged", {{"page", "P1"}, {"person", "anna"}}),
        ev("2026-11-20T11:00:00Z", "paged", {{"page", "P2"}, {"person", "anna"}}),
        ev("2026-11-20T11:20:00Z", "acknowledged", {{"page", "P2"}, {"person", "anna"}}),
        ev("2026-11-21T11:00:00Z", "escalated", {{"person", "tina"}})}},
  };
  const auto c = compute_charts(cases, at("2026-11-22T20:00:00Z"), 2, 7);
  EXPECT_EQ(c.ack_counts[0], 1);  // < 1 minute
  EXPECT_EQ(c.ack_counts[5], 1);  // 15-30 minutes
  EXPECT_EQ(c.escalations.back(), 1);
  ASSERT_TRUE(c.ack_median_minutes);
}

TEST(Charts, CaseloadFollowsAssignmentsReassignmentsAndClosing) {
  std::vector<CaseHistory> cases{
      {"C1",
       {ev("2026-11-20T10:00:00Z", "casemanager_assigned", {{"person", "anna"}}),
        ev("2026-11-21T10:00:00Z", "reassigned", {{"from", "anna"}, {"to", "bert"}})}},
      {"C2",
       {ev("2026-11-20T12:00:00Z", "casemanager_assigned", {{"person", "anna"}}),
        ev("2026-11-22T09:00:00Z", "closing")}},
  };
  const auto c = compute_charts(cases, at("2026-11-22T20:00:00Z"), 1, 3);  // 20, 21, 22 Nov
  std::map<std::string, std::vector<int>> load(c.caseload.begin(), c.caseload.end());
  EXPECT_EQ(load["anna"], (std::vector<int>{2, 1, 0}));
  EXPECT_EQ(load["bert"], (std::vector<int>{0, 1, 1}));
}

}  // namespace
}  // namespace piket::web
