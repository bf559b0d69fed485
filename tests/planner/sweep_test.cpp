// The sweep: a fair rota for each team size, and more staff never worse.
#include "piket/planner/sweep.hpp"

#include <gtest/gtest.h>

#include "piket/planner/fair_rota.hpp"
#include "piket/rota/fairness.hpp"
#include "piket/rota/wall_clock.hpp"
#include "planner_test_support.hpp"

namespace piket::planner {
namespace {

TEST(FairRotaTest, EveryoneTakesTheSameShareOfNightsAndWeekends) {
  const std::vector<std::string> cms{"a", "b", "c", "d", "e"};
  rota::Rota r(fair_rota("noord", cms, {"tl"}, date::year{2027} / 1 / 6), {},
               {common::Instant{date::sys_days{date::year{2027} / 1 / 1}},
                common::Instant{date::sys_days{date::year{2028} / 1 / 1}}});
  // Ten whole cycles of five weeks from the first Monday handoff.
  const auto from = rota::to_instant(rota::LocalTime{date::local_days{date::year{2027} / 1 / 4}} +
                                     std::chrono::hours{8});
  const auto rows = rota::fairness(r, {from, from + std::chrono::days{7 * 50}});
  std::map<std::string, std::vector<rota::FairnessRow>> by_layer;
  for (const auto& row : rows) by_layer[row.layer].push_back(row);
  // Equal up to the hour a DST change adds to or takes from a wall-clock
  // week (two changes a year).
  const auto near = [](common::Millis a, common::Millis b) {
    return std::chrono::abs(a - b) <= std::chrono::hours{2};
  };
  for (const auto* layer : {"primary", "backup"}) {
    ASSERT_EQ(by_layer[layer].size(), cms.size()) << layer;
    const auto& first = by_layer[layer][0];
    for (const auto& row : by_layer[layer]) {
      EXPECT_TRUE(near(row.on_call, first.on_call)) << layer << " " << row.person;
      EXPECT_TRUE(near(row.night, first.night)) << layer << " " << row.person;
      EXPECT_TRUE(near(row.weekend, first.weekend)) << layer << " " << row.person;
      EXPECT_GT(row.night.count(), 0) << layer << " " << row.person;
    }
  }
  // Nobody is their own backup.
  for (int week = 0; week < 50; ++week) {
    const auto t = from + std::chrono::days{7 * week + 3};
    EXPECT_NE(r.on_call("primary", "noord", t), r.on_call("backup", "noord", t));
  }
}

// The sample region at four times its load, where staffing binds: one
// casemanager on call (and one as backup) per six of the team.
TEST(SweepTest, MoreCasemanagersAreNeverWorseOverSeeds) {
  auto s = load_scenario(test::sample_scenario());
  for (auto& stream : s.arrivals.streams) stream.per_week *= 4;
  const auto w = load_world(s);
  const auto result = sweep(s, w, 5, 13, 5);
  ASSERT_EQ(result.rows.size(), 9u);
  // Never worse, up to the seeds' noise (one percentage point: about the
  // half-width of a team size's interval here).
  for (std::size_t i = 1; i < result.rows.size(); ++i)
    EXPECT_GE(result.rows[i].mean, result.rows[i - 1].mean - 0.01)
        << result.rows[i].casemanagers << " casemanagers against "
        << result.rows[i - 1].casemanagers;
  // And better where it counts: a second pair on call from twelve on lifts the
  // whole interval above the smallest team's.
  EXPECT_GT(result.rows.back().low, result.rows.front().high);
  EXPECT_LT(result.rows.front().mean, 0.97);
  EXPECT_GE(result.rows.back().mean, 0.98);
  ASSERT_TRUE(result.answer.has_value());
  ASSERT_TRUE(result.confident_answer.has_value());
  EXPECT_LE(*result.answer, *result.confident_answer);
  for (const auto& row : result.rows) {
    EXPECT_LE(row.low, row.mean);
    EXPECT_GE(row.high, row.mean);
    EXPECT_EQ(row.shares.size(), 5u);
  }
  // Fewer nights each as the team grows, while one pair is on call.
  EXPECT_GT(result.rows[0].night_hours, result.rows[1].night_hours);
}

TEST(FairRotaTest, OneGroupOnCallPerSixOfTheTeam) {
  EXPECT_EQ(groups_for(2, 6), 1);
  EXPECT_EQ(groups_for(11, 6), 1);
  EXPECT_EQ(groups_for(12, 6), 2);
  std::vector<std::string> cms;
  for (int i = 0; i < 12; ++i) cms.push_back("p" + std::to_string(i));
  const common::Instant t0{date::sys_days{date::year{2027} / 1 / 1}};
  rota::Rota r(fair_rota("noord", cms, {"tl"}, date::year{2027} / 1 / 4, 2), {},
               {t0, t0 + std::chrono::days{365}});
  const auto t = t0 + std::chrono::days{40};
  EXPECT_EQ(r.on_call("primary", "noord", t).size(), 2u);
  EXPECT_EQ(r.on_call("backup", "noord", t).size(), 2u);
}

TEST(SweepTest, TheIntervalIsStudentsT) {
  const auto [mean, half] = mean_interval({0.9, 0.92, 0.94});
  EXPECT_NEAR(mean, 0.92, 1e-12);
  EXPECT_NEAR(half, 4.303 * 0.02 / std::sqrt(3.0), 1e-9);
}

}  // namespace
}  // namespace piket::planner
