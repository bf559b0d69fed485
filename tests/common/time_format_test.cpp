#include "piket/common/time_format.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace piket::common {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// 2026-11-22T13:03:00Z, computed independently of the parser.
Instant utc_2026_11_22_1303() {
  const auto days = std::chrono::sys_days{std::chrono::year{2026} / 11 / 22};
  return std::chrono::time_point_cast<Millis>(days + hours{13} + minutes{3});
}

TEST(Rfc3339Test, ParsesZulu) {
  EXPECT_EQ(parse_rfc3339("2026-11-22T13:03:00Z"), utc_2026_11_22_1303());
}

TEST(Rfc3339Test, LowerCaseTAndZAreAllowed) {
  EXPECT_EQ(parse_rfc3339("2026-11-22t13:03:00z"), utc_2026_11_22_1303());
}

TEST(Rfc3339Test, PositiveOffsetIsSubtracted) {
  EXPECT_EQ(parse_rfc3339("2026-11-22T14:03:00+01:00"), utc_2026_11_22_1303());
  EXPECT_EQ(parse_rfc3339("2026-11-22T18:33:00+05:30"), utc_2026_11_22_1303());
}

TEST(Rfc3339Test, NegativeOffsetIsAdded) {
  EXPECT_EQ(parse_rfc3339("2026-11-22T08:03:00-05:00"), utc_2026_11_22_1303());
  EXPECT_EQ(parse_rfc3339("2026-11-22T13:03:00-00:00"), utc_2026_11_22_1303());
}

TEST(Rfc3339Test, OffsetCrossesDateLine) {
  EXPECT_EQ(parse_rfc3339("2026-11-23T00:03:00+11:00"), utc_2026_11_22_1303());
  EXPECT_EQ(parse_rfc3339("2027-01-01T00:30:00+01:00"), parse_rfc3339("2026-12-31T23:30:00Z"));
}

TEST(Rfc3339Test, FractionalSeconds) {
  const auto base = utc_2026_11_22_1303();
  EXPECT_EQ(parse_rfc3339("2026-11-22T13:03:00.250Z"), base + Millis{250});
  EXPECT_EQ(parse_rfc3339("2026-11-22T13:03:00.5Z"), base + Millis{500});
  EXPECT_EQ(parse_rfc3339("2026-11-22T13:03:00.05Z"), base + Millis{50});
  EXPECT_EQ(parse_rfc3339("2026-11-22T14:03:00.007+01:00"), base + Millis{7});
  // More than millisecond precision is accepted and truncated.
  EXPECT_EQ(parse_rfc3339("2026-11-22T13:03:00.123456789Z"), base + Millis{123});
  EXPECT_EQ(parse_rfc3339("2026-11-22T13:03:00.999999Z"), base + Millis{999});
}

TEST(Rfc3339Test, CalendarEdges) {
  EXPECT_TRUE(parse_rfc3339("2028-02-29T00:00:00Z"));   // leap year
  EXPECT_TRUE(parse_rfc3339("2000-02-29T00:00:00Z"));   // divisible by 400
  EXPECT_FALSE(parse_rfc3339("2100-02-29T00:00:00Z"));  // divisible by 100 only
  EXPECT_FALSE(parse_rfc3339("2026-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-02-30T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-04-31T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-13-01T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-00-10T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-01-00T00:00:00Z"));
  EXPECT_TRUE(parse_rfc3339("2026-12-31T23:59:59.999Z"));
}

TEST(Rfc3339Test, BeforeTheEpoch) {
  EXPECT_EQ(parse_rfc3339("1969-12-31T23:59:59.999Z"), from_epoch_ms(-1));
  EXPECT_EQ(parse_rfc3339("1970-01-01T01:00:00+01:00"), from_epoch_ms(0));
}

TEST(Rfc3339Test, RejectsInvalidForms) {
  const std::vector<std::string> bad = {
      "",
      "2026-11-22",                                     // date only
      "2026-11-22T13:03:00",                            // no offset
      "2026-11-22T13:03Z",                              // no seconds
      "2026-11-22 13:03:00Z",                           // space separator
      "2026-11-22T13:03:00+0100",                       // offset without colon
      "2026-11-22T13:03:00+01",                         // offset without minutes
      "2026-11-22T13:03:00+1:00",                       // one-digit offset hour
      "2026-11-22T13:03:00+24:00",                      // offset hour out of range
      "2026-11-22T13:03:00+01:60",                      // offset minute out of range
      "2026-11-22T13:03:00UTC",                         // named zone
      "2026-11-22T13:03:00Z ",                          // trailing space
      " 2026-11-22T13:03:00Z",                          // leading space
      "2026-11-22T13:03:00ZZ",                          // trailing garbage
      "2026-11-22T13:03:00.Z",                          // empty fraction
      "2026-11-22T13:03:00.1234567890Z",                // ten fraction digits
      "2026-11-22T13:03:00,5Z",                         // comma fraction
      "2026-11-22T24:00:00Z",                           // hour 24
      "2026-11-22T13:60:00Z",                           // minute 60
      "2026-12-31T23:59:60Z",                           // leap second
      "26-11-22T13:03:00Z",                             // two-digit year
      "2026-1-22T13:03:00Z",                            // one-digit month
      "2026/11/22T13:03:00Z",                           // wrong separators
      "+2026-11-22T13:03:00Z",                          // signed year
      "2026-11-22T13:03:00.000000000000000000000000Z",  // over the length limit
      "yesterday",
  };
  for (const auto& s : bad) EXPECT_FALSE(parse_rfc3339(s).has_value()) << '"' << s << '"';
}

TEST(Rfc3339Test, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(format_rfc3339(utc_2026_11_22_1303()), "2026-11-22T13:03:00.000Z");
  EXPECT_EQ(format_rfc3339(utc_2026_11_22_1303() + Millis{7}), "2026-11-22T13:03:00.007Z");
  EXPECT_EQ(format_rfc3339(from_epoch_ms(0)), "1970-01-01T00:00:00.000Z");
}

TEST(Rfc3339Test, FormatThenParseIsIdentity) {
  for (const std::int64_t ms :
       {0LL, 1LL, 999LL, 1'795'352'580'123LL, 951'782'400'000LL, 4'102'444'799'999LL}) {
    const auto t = from_epoch_ms(ms);
    EXPECT_EQ(parse_rfc3339(format_rfc3339(t)), t) << ms << " -> " << format_rfc3339(t);
  }
}

TEST(Rfc3339Test, ParseThenFormatNormalisesToUtc) {
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2026-11-22T14:03:00.25+01:00")),
            "2026-11-22T13:03:00.250Z");
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2026-03-29T01:59:59-02:30")),
            "2026-03-29T04:29:59.000Z");
  const std::string canonical = "2031-07-04T23:59:58.001Z";
  EXPECT_EQ(format_rfc3339(*parse_rfc3339(canonical)), canonical);
}

}  // namespace
}  // namespace piket::common
