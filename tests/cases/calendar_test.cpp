// Calendar days on the Amsterdam wall clock, across both DST changes.
#include "piket/cases/calendar.hpp"

#include <gtest/gtest.h>

#include "test_config.hpp"

namespace piket::cases {
namespace {

using test::at;

TEST(Calendar, ADayKeepsTheWallClockTimeAcrossDaylightSavingTime) {
  // Spring forward (29 March 2026): Saturday 14:00 CET + 1 day = Sunday 14:00 CEST, 23 hours.
  EXPECT_EQ(add_calendar_days(at("2026-03-28T13:00:00Z"), 1), at("2026-03-29T12:00:00Z"));
  // Fall back (25 October 2026): 25 hours.
  EXPECT_EQ(add_calendar_days(at("2026-10-24T12:00:00Z"), 1), at("2026-10-25T13:00:00Z"));
  // A week across the change.
  EXPECT_EQ(add_calendar_days(at("2027-03-25T08:30:00Z"), 7), at("2027-04-01T07:30:00Z"));
  // No change: exactly 24 hours per day.
  EXPECT_EQ(add_calendar_days(at("2026-11-22T13:00:00Z"), 10), at("2026-12-02T13:00:00Z"));
  // A year from 22 November 2026 14:00 CET.
  EXPECT_EQ(add_calendar_days(at("2026-11-22T13:00:00Z"), 365), at("2027-11-22T13:00:00Z"));
}

TEST(Calendar, TheSkippedHourHappensAtTheJumpAndTheRepeatedHourAtItsFirstOccurrence) {
  // 02:30 CET on 28 March 2026; a day later 02:30 does not exist: 03:00 CEST.
  EXPECT_EQ(add_calendar_days(at("2026-03-28T01:30:00Z"), 1), at("2026-03-29T01:00:00Z"));
  // 02:30 CEST on 24 October 2026; a day later 02:30 happens twice: the first (CEST).
  EXPECT_EQ(add_calendar_days(at("2026-10-24T00:30:00Z"), 1), at("2026-10-25T00:30:00Z"));
}

}  // namespace
}  // namespace piket::cases
