// BanFacts::at_maximum — whether a case's home ban can still be extended —
// is the complement of the acceptance script's 28-day rule
// (common/ban_script.hpp), for the deadline engine's "no extension-decision
// reminder at the maximum" (issue 11, item 3).
#include <gtest/gtest.h>

#include "piket/cases/case_state.hpp"
#include "piket/common/time_format.hpp"

namespace piket::cases {
namespace {

using namespace std::chrono_literals;

BanFacts ban(const char* first, const char* end, int first_off = 60, int end_off = 60) {
  return BanFacts{*common::parse_rfc3339(first), *common::parse_rfc3339(end), true,
                  std::chrono::minutes{first_off}, std::chrono::minutes{end_off}};
}

TEST(BanFacts, At28DaysFromTheFirstStartTheBanIsAtItsMaximum) {
  EXPECT_FALSE(ban("2026-11-22T13:40:00+01:00", "2026-12-02T13:40:00+01:00").at_maximum());
  EXPECT_FALSE(ban("2026-11-22T13:40:00+01:00", "2026-12-20T13:38:00+01:00").at_maximum());
  EXPECT_TRUE(ban("2026-11-22T13:40:00+01:00", "2026-12-20T13:40:00+01:00").at_maximum());
}

TEST(BanFacts, AcrossTheEndOfDaylightSavingTimeTheMaximumIs28WallClockDays) {
  // 28 d + 1 h absolute, 28 d on the wall clock: at the maximum, not before.
  EXPECT_FALSE(ban("2026-10-10T10:00:00+02:00", "2026-11-07T09:00:00+01:00", 120, 60).at_maximum());
  EXPECT_TRUE(ban("2026-10-10T10:00:00+02:00", "2026-11-07T10:00:00+01:00", 120, 60).at_maximum());
}

}  // namespace
}  // namespace piket::cases
