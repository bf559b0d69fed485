// Amsterdam wall-clock rules: the first instant the clock reads a time or later.
#include "piket/rota/wall_clock.hpp"

#include <date/tz.h>

#include "rota_test_support.hpp"

namespace piket::rota::test {
namespace {

LocalTime wall(int y, unsigned m, unsigned d, int h, int min) {
  return LocalTime{date::local_days{ymd(y, m, d)}.time_since_epoch()} + std::chrono::hours{h} +
         std::chrono::minutes{min};
}

struct WallCase {
  const char* what;
  LocalTime wall;
  const char* expected_utc;
};
void PrintTo(const WallCase& c, std::ostream* os) {
  *os << c.what;
}

class RotaWallClockTable : public ::testing::TestWithParam<WallCase> {};

TEST_P(RotaWallClockTable, ToInstant) {
  EXPECT_EQ(to_instant(GetParam().wall), utc(GetParam().expected_utc)) << GetParam().what;
}

INSTANTIATE_TEST_SUITE_P(
    Dst2026And2027, RotaWallClockTable,
    ::testing::Values(
        WallCase{"winter", wall(2026, 1, 15, 8, 0), "2026-01-15T07:00:00Z"},
        WallCase{"summer", wall(2026, 7, 1, 8, 0), "2026-07-01T06:00:00Z"},
        // 2026-03-29: 02:00 CET jumps to 03:00 CEST at 01:00Z.
        WallCase{"before the jump", wall(2026, 3, 29, 1, 59), "2026-03-29T00:59:00Z"},
        WallCase{"skipped 02:00", wall(2026, 3, 29, 2, 0), "2026-03-29T01:00:00Z"},
        WallCase{"skipped 02:30 -> the jump", wall(2026, 3, 29, 2, 30), "2026-03-29T01:00:00Z"},
        WallCase{"skipped 02:59", wall(2026, 3, 29, 2, 59), "2026-03-29T01:00:00Z"},
        WallCase{"03:00 CEST", wall(2026, 3, 29, 3, 0), "2026-03-29T01:00:00Z"},
        WallCase{"08:00 CEST", wall(2026, 3, 29, 8, 0), "2026-03-29T06:00:00Z"},
        // 2026-10-25: 03:00 CEST falls back to 02:00 CET at 01:00Z.
        WallCase{"repeated 02:00 -> first", wall(2026, 10, 25, 2, 0), "2026-10-25T00:00:00Z"},
        WallCase{"repeated 02:30 -> first", wall(2026, 10, 25, 2, 30), "2026-10-25T00:30:00Z"},
        WallCase{"03:00 CET", wall(2026, 10, 25, 3, 0), "2026-10-25T02:00:00Z"},
        WallCase{"08:00 CET", wall(2026, 10, 25, 8, 0), "2026-10-25T07:00:00Z"},
        WallCase{"2027 skipped 02:15", wall(2027, 3, 28, 2, 15), "2027-03-28T01:00:00Z"},
        WallCase{"2027 08:00 CEST", wall(2027, 3, 28, 8, 0), "2027-03-28T06:00:00Z"},
        WallCase{"2027 repeated 02:45", wall(2027, 10, 31, 2, 45), "2027-10-31T00:45:00Z"},
        WallCase{"2027 08:00 CET", wall(2027, 10, 31, 8, 0), "2027-10-31T07:00:00Z"},
        WallCase{"29 Feb 2028", wall(2028, 2, 29, 8, 0), "2028-02-29T07:00:00Z"},
        // Beyond the transitions Debian's tz files list (2037): the POSIX rule.
        WallCase{"2040 summer", wall(2040, 7, 1, 8, 0), "2040-07-01T06:00:00Z"},
        WallCase{"2040 skipped", wall(2040, 3, 25, 2, 30), "2040-03-25T01:00:00Z"},
        WallCase{"2040 repeated", wall(2040, 10, 28, 2, 30), "2040-10-28T00:30:00Z"},
        WallCase{"2040 winter", wall(2040, 12, 1, 8, 0), "2040-12-01T07:00:00Z"}),
    [](const auto& param_info) { return test_name(param_info.param.what); });

TEST(RotaWallClock, ToLocalRoundTripsOutsideTheChanges) {
  for (auto t = utc("2026-01-01T00:00:00Z"); t < utc("2028-01-01T00:00:00Z"); t += 97min) {
    const auto l = to_local(t);
    const auto back = to_instant(l);
    // Only inside the repeated hour is the answer the earlier instant.
    if (back != t) {
      EXPECT_EQ(t - back, 1h);
      EXPECT_EQ(utc_offset(t), 60min);
    }
  }
}

TEST(RotaWallClock, MonotoneAcrossTheChanges) {
  for (const auto& day :
       {ymd(2026, 3, 29), ymd(2026, 10, 25), ymd(2027, 3, 28), ymd(2027, 10, 31)}) {
    Instant previous = Instant::min();
    for (int m = 0; m < 24 * 60; ++m) {
      const auto t =
          to_instant(LocalTime{date::local_days{day}.time_since_epoch()} + std::chrono::minutes{m});
      EXPECT_LE(previous, t);
      previous = t;
    }
  }
}

TEST(RotaWallClock, MatchesTheTzDatabaseOffsets) {
  const auto* zone = date::locate_zone("Europe/Amsterdam");
  for (auto t = utc("2026-01-01T00:00:00Z"); t < utc("2037-01-01T00:00:00Z"); t += 71h) {
    EXPECT_EQ(utc_offset(t),
              std::chrono::duration_cast<std::chrono::minutes>(zone->get_info(t).offset));
  }
}

TEST(RotaWallClock, LocalDateAndFormat) {
  EXPECT_EQ(local_date(utc("2026-03-28T23:30:00Z")), ymd(2026, 3, 29));
  EXPECT_EQ(format_local(utc("2026-03-29T01:00:00Z")), "2026-03-29 03:00 +02:00");
  EXPECT_EQ(format_local(utc("2026-10-25T01:30:00Z")), "2026-10-25 02:30 +01:00");
  EXPECT_EQ(format_ical_utc(utc("2026-10-25T01:30:05.250Z")), "20261025T013005Z");
}

TEST(RotaWallClock, ParseTime) {
  EXPECT_EQ(parse_time("2026-03-29T01:30:00Z"), utc("2026-03-29T01:30:00Z"));
  EXPECT_EQ(parse_time("2026-03-29T03:30:00+02:00"), utc("2026-03-29T01:30:00Z"));
  EXPECT_EQ(parse_time("2026-03-29T02:30"), utc("2026-03-29T01:00:00Z"));
  EXPECT_EQ(parse_time("2026-10-25 02:30:00"), utc("2026-10-25T00:30:00Z"));
  EXPECT_EQ(parse_time("2026-07-01"), utc("2026-06-30T22:00:00Z"));
  EXPECT_FALSE(parse_time("2027-02-29"));
  EXPECT_TRUE(parse_time("2028-02-29"));
  EXPECT_FALSE(parse_time("2026-07-01T24:00"));
  EXPECT_FALSE(parse_time("tomorrow"));
  EXPECT_FALSE(parse_time(""));
}

}  // namespace
}  // namespace piket::rota::test
