// Gaps: an empty layer, a region the rota never mentions, a late start, the
// 14-day start-up check.
#include "piket/rota/coverage.hpp"

#include "rota_test_support.hpp"

namespace piket::rota::test {
namespace {

TEST(RotaCoverage, EmptyLayersAreOneLongGap) {
  const Rota rota(one_layer({rotation({"a", "b"}, ShiftLength::days(1), 8h, ymd(2026, 1, 1))}), {},
                  range("2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z"));
  const auto r = range("2026-02-01T00:00:00Z", "2026-02-15T00:00:00Z");
  EXPECT_TRUE(gaps(rota, "primary", "g", r).empty());
  EXPECT_EQ(gaps(rota, "backup", "g", r), std::vector<TimeRange>{r});
  EXPECT_EQ(gaps(rota, "team_lead", "g", r), std::vector<TimeRange>{r});

  const std::vector<std::string> regions{"g", "h"};
  const auto all = coverage_gaps(rota, regions, r);
  EXPECT_EQ(all, (std::vector<LayerGap>{{"g", "backup", r},
                                        {"g", "team_lead", r},
                                        {"h", "backup", r},
                                        {"h", "primary", r},
                                        {"h", "team_lead", r}}));
}

TEST(RotaCoverage, CheckLooksFourteenDaysAhead) {
  auto def = one_layer({rotation({"a"}, ShiftLength::weeks(1), 8h, ymd(2026, 1, 5))});
  def.regions[0].layers.push_back(
      LayerDefinition{"backup", {rotation({"b"}, ShiftLength::weeks(1), 8h, ymd(2026, 1, 5))}});
  // The team lead starts on 20 January: a gap within 14 days of 10 January.
  def.regions[0].layers.push_back(
      LayerDefinition{"team_lead", {rotation({"t"}, ShiftLength::weeks(1), 8h, ymd(2026, 1, 20))}});
  const Rota rota(def, {}, range("2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z"));
  const std::vector<std::string> regions{"g"};
  const auto found = check_coverage(rota, regions, utc("2026-01-10T00:00:00Z"));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0],
            (LayerGap{"g", "team_lead", range("2026-01-10T00:00:00Z", "2026-01-20T07:00:00Z")}));
  EXPECT_TRUE(check_coverage(rota, regions, utc("2026-01-20T07:00:00Z")).empty());
  // One day from 4 January: no rotation has started yet (5 January 08:00),
  // so all three layers are gaps.
  const auto early = check_coverage(rota, regions, utc("2026-01-04T00:00:00Z"), 1);
  EXPECT_EQ(early.size(), 3u);
}

TEST(RotaCoverage, GapsAreExactlyTheEmptySegments) {
  auto r = rotation({"n"}, ShiftLength::weeks(1), 8h, ymd(2026, 1, 5));
  r.restrictions.push_back(WeeklyWindow{std::chrono::hours{4 * 24 + 18}, std::chrono::hours{8}});
  const Rota rota(one_layer({r}), {}, range("2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z"));
  const auto window = range("2026-03-23T00:00:00Z", "2026-04-01T00:00:00Z");
  // Weekend only: the gaps are Monday 08:00 to Friday 18:00.
  EXPECT_EQ(gaps(rota, "primary", "g", window),
            (std::vector<TimeRange>{range("2026-03-23T07:00:00Z", "2026-03-27T17:00:00Z"),
                                    range("2026-03-30T06:00:00Z", "2026-04-01T00:00:00Z")}));
}

}  // namespace
}  // namespace piket::rota::test
