// Rotations across DST, in the skipped and repeated hour, on 29 February, with
// restrictions, offsets and end dates. Every timeline is computed twice: from
// the precomputed horizon and directly from the definition (outside it).
#include "rota_test_support.hpp"

namespace piket::rota::test {
namespace {

// The timeline of g/primary over `r`, checked equal on both paths.
std::vector<Segment> layer_timeline(const RotaDefinition& def, TimeRange r,
                                    std::string layer = "primary") {
  const Rota indexed(def, {}, TimeRange{r.start - 24h * 40, r.end + 24h * 40});
  const Rota direct(def, {}, TimeRange{});
  auto a = indexed.timeline(layer, "g", r);
  EXPECT_EQ(a, direct.timeline(layer, "g", r));
  return a;
}

struct HandoffCase {
  const char* what;
  Rotation rotation;
  TimeRange window;
  std::vector<const char*> handoffs;  // segment starts inside the window, UTC
  std::vector<std::string> people;    // who holds each segment
};
void PrintTo(const HandoffCase& c, std::ostream* os) {
  *os << c.what;
}

class RotaHandoffTable : public ::testing::TestWithParam<HandoffCase> {};

TEST_P(RotaHandoffTable, SegmentsStartAtTheHandoffs) {
  const auto& c = GetParam();
  const auto segments = layer_timeline(one_layer({c.rotation}), c.window);
  std::vector<Instant> expected;
  for (auto h : c.handoffs) expected.push_back(utc(h));
  EXPECT_EQ(starts(segments), expected) << c.what;
  std::vector<std::string> people;
  for (const auto& s : segments) people.push_back(s.people.empty() ? "-" : s.people.front());
  EXPECT_EQ(people, c.people) << c.what;
}

const auto abc = std::vector<std::string>{"a", "b", "c"};
const auto abcd = std::vector<std::string>{"a", "b", "c", "d"};

INSTANTIATE_TEST_SUITE_P(
    Dst, RotaHandoffTable,
    ::testing::Values(
        // A day shift across the spring change lasts 23 hours: 08:00 stays 08:00.
        HandoffCase{"day, spring 2026",
                    rotation(abc, ShiftLength::days(1), 8h, ymd(2026, 3, 27)),
                    range("2026-03-28T00:00:00Z", "2026-03-31T00:00:00Z"),
                    {"2026-03-28T00:00:00Z", "2026-03-28T07:00:00Z", "2026-03-29T06:00:00Z",
                     "2026-03-30T06:00:00Z"},
                    {"a", "b", "c", "a"}},
        // …and 25 hours across the autumn change.
        HandoffCase{"day, autumn 2026",
                    rotation(abc, ShiftLength::days(1), 8h, ymd(2026, 10, 24)),
                    range("2026-10-24T06:00:00Z", "2026-10-27T00:00:00Z"),
                    {"2026-10-24T06:00:00Z", "2026-10-25T07:00:00Z", "2026-10-26T07:00:00Z"},
                    {"a", "b", "c"}},
        HandoffCase{"day, spring 2027",
                    rotation(abc, ShiftLength::days(1), 8h, ymd(2027, 3, 27)),
                    range("2027-03-27T07:00:00Z", "2027-03-29T12:00:00Z"),
                    {"2027-03-27T07:00:00Z", "2027-03-28T06:00:00Z", "2027-03-29T06:00:00Z"},
                    {"a", "b", "c"}},
        HandoffCase{"day, autumn 2027",
                    rotation(abc, ShiftLength::days(1), 8h, ymd(2027, 10, 30)),
                    range("2027-10-30T06:00:00Z", "2027-11-01T12:00:00Z"),
                    {"2027-10-30T06:00:00Z", "2027-10-31T07:00:00Z", "2027-11-01T07:00:00Z"},
                    {"a", "b", "c"}},
        // A week across the spring change: 167 hours, Monday 08:00 to Monday 08:00.
        HandoffCase{"week, spring 2026",
                    rotation(abc, ShiftLength::weeks(1), 8h, ymd(2026, 3, 23)),
                    range("2026-03-23T07:00:00Z", "2026-04-06T12:00:00Z"),
                    {"2026-03-23T07:00:00Z", "2026-03-30T06:00:00Z", "2026-04-06T06:00:00Z"},
                    {"a", "b", "c"}},
        // Handoff in the skipped hour: at the jump (03:00 CEST = 01:00Z).
        HandoffCase{"02:30, skipped hour 2026",
                    rotation(abc, ShiftLength::days(1), 2h + 30min, ymd(2026, 3, 28)),
                    range("2026-03-28T01:30:00Z", "2026-03-30T12:00:00Z"),
                    {"2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"},
                    {"a", "b", "c"}},
        HandoffCase{"02:30, skipped hour 2027",
                    rotation(abc, ShiftLength::days(1), 2h + 30min, ymd(2027, 3, 27)),
                    range("2027-03-27T01:30:00Z", "2027-03-29T12:00:00Z"),
                    {"2027-03-27T01:30:00Z", "2027-03-28T01:00:00Z", "2027-03-29T00:30:00Z"},
                    {"a", "b", "c"}},
        // Handoff in the repeated hour: its first occurrence (CEST), so the
        // shift that starts then lasts 25 hours.
        HandoffCase{"02:30, repeated hour 2026",
                    rotation(abc, ShiftLength::days(1), 2h + 30min, ymd(2026, 10, 24)),
                    range("2026-10-24T00:30:00Z", "2026-10-26T12:00:00Z"),
                    {"2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"},
                    {"a", "b", "c"}},
        HandoffCase{"02:30, repeated hour 2027",
                    rotation(abc, ShiftLength::days(1), 2h + 30min, ymd(2027, 10, 30)),
                    range("2027-10-30T00:30:00Z", "2027-11-01T12:00:00Z"),
                    {"2027-10-30T00:30:00Z", "2027-10-31T00:30:00Z", "2027-11-01T01:30:00Z"},
                    {"a", "b", "c"}},
        // 12-hour shifts are wall-clock hours too: 08:00/20:00 stay, the night
        // across the change lasts 11 hours.
        HandoffCase{"12 hours, spring 2026",
                    rotation(abc, ShiftLength::hours(12), 8h, ymd(2026, 3, 28)),
                    range("2026-03-28T07:00:00Z", "2026-03-29T20:00:00Z"),
                    {"2026-03-28T07:00:00Z", "2026-03-28T19:00:00Z", "2026-03-29T06:00:00Z",
                     "2026-03-29T18:00:00Z"},
                    {"a", "b", "c", "a"}},
        // 1-hour shifts: the shift of the skipped hour vanishes (c is never on)…
        HandoffCase{"1 hour, skipped",
                    rotation(abcd, ShiftLength::hours(1), 0h, ymd(2026, 3, 29)),
                    range("2026-03-28T23:00:00Z", "2026-03-29T02:00:00Z"),
                    {"2026-03-28T23:00:00Z", "2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z"},
                    {"a", "b", "d"}},
        // …and the shift of the repeated hour lasts two hours.
        HandoffCase{"1 hour, repeated",
                    rotation(abcd, ShiftLength::hours(1), 0h, ymd(2026, 10, 25)),
                    range("2026-10-24T22:00:00Z", "2026-10-25T03:00:00Z"),
                    {"2026-10-24T22:00:00Z", "2026-10-24T23:00:00Z", "2026-10-25T00:00:00Z",
                     "2026-10-25T02:00:00Z"},
                    {"a", "b", "c", "d"}},
        // 29 February 2028 is an ordinary day in the rotation.
        HandoffCase{"day, 29 Feb 2028",
                    rotation(abc, ShiftLength::days(1), 8h, ymd(2028, 2, 28)),
                    range("2028-02-28T07:00:00Z", "2028-03-02T07:00:00Z"),
                    {"2028-02-28T07:00:00Z", "2028-02-29T07:00:00Z", "2028-03-01T07:00:00Z"},
                    {"a", "b", "c"}},
        HandoffCase{"week from 29 Feb 2028",
                    rotation(abc, ShiftLength::weeks(1), 8h, ymd(2028, 2, 29)),
                    range("2028-02-29T00:00:00Z", "2028-03-15T00:00:00Z"),
                    {"2028-02-29T00:00:00Z", "2028-02-29T07:00:00Z", "2028-03-07T07:00:00Z",
                     "2028-03-14T07:00:00Z"},
                    {"-", "a", "b", "c"}},
        // A custom cycle of 8 + 16 hours.
        HandoffCase{"custom 8/16",
                    rotation(abc, ShiftLength::custom({8, 16}), 8h, ymd(2026, 6, 1)),
                    range("2026-06-01T06:00:00Z", "2026-06-03T06:00:00Z"),
                    {"2026-06-01T06:00:00Z", "2026-06-01T14:00:00Z", "2026-06-02T06:00:00Z",
                     "2026-06-02T14:00:00Z"},
                    {"a", "b", "c", "a"}}),
    [](const auto& param_info) { return test_name(param_info.param.what); });

TEST(RotaSchedule, OffsetStartsFurtherInTheOrder) {
  auto r = rotation(abc, ShiftLength::weeks(1), 8h, ymd(2026, 1, 5));
  r.offset = 1;
  const Rota rota(one_layer({r}), {}, range("2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z"));
  EXPECT_EQ(rota.on_call("primary", "g", utc("2026-01-05T07:00:00Z")),
            std::vector<std::string>{"b"});
  EXPECT_EQ(rota.on_call("primary", "g", utc("2026-01-12T07:00:00Z")),
            std::vector<std::string>{"c"});
  EXPECT_EQ(rota.on_call("primary", "g", utc("2026-01-19T07:00:00Z")),
            std::vector<std::string>{"a"});
}

TEST(RotaSchedule, NobodyBeforeTheStartOrAfterTheEnd) {
  auto r = rotation(abc, ShiftLength::days(1), 8h, ymd(2026, 5, 1));
  r.end = ymd(2026, 5, 3);
  const auto segments =
      layer_timeline(one_layer({r}), range("2026-04-30T00:00:00Z", "2026-05-05T00:00:00Z"));
  ASSERT_EQ(segments.size(), 4u);
  EXPECT_TRUE(segments[0].gap());
  EXPECT_EQ(segments[1].range(), range("2026-05-01T06:00:00Z", "2026-05-02T06:00:00Z"));
  EXPECT_EQ(segments[2].range(), range("2026-05-02T06:00:00Z", "2026-05-03T06:00:00Z"));
  EXPECT_TRUE(segments[3].gap());
}

TEST(RotaSchedule, NightsRestrictionFollowsTheWallClockAcrossDst) {
  // Nights 18:00-08:00, every day, one person: on call exactly those hours.
  auto r = rotation({"n"}, ShiftLength::weeks(1), 8h, ymd(2026, 3, 23));
  for (int d = 0; d < 7; ++d)
    r.restrictions.push_back(WeeklyWindow{std::chrono::hours{24 * d + 18},
                                          std::chrono::hours{(24 * d + 32) % (24 * 7)}});
  const auto segments =
      layer_timeline(one_layer({r}), range("2026-03-28T12:00:00Z", "2026-03-30T12:00:00Z"));
  std::vector<TimeRange> on;
  for (const auto& s : segments)
    if (!s.gap()) on.push_back(s.range());
  // 28 Mar 18:00 CET (17:00Z) to 29 Mar 08:00 CEST (06:00Z): 13 hours;
  // 29 Mar 18:00 CEST (16:00Z) to 30 Mar 08:00 CEST (06:00Z): 14 hours.
  EXPECT_EQ(on, (std::vector<TimeRange>{range("2026-03-28T17:00:00Z", "2026-03-29T06:00:00Z"),
                                        range("2026-03-29T16:00:00Z", "2026-03-30T06:00:00Z")}));
}

TEST(RotaSchedule, WeekendRestrictionWrapsIntoMonday) {
  // Friday 18:00 to Monday 08:00.
  auto r = rotation({"w"}, ShiftLength::weeks(1), 8h, ymd(2026, 1, 5));
  r.restrictions.push_back(WeeklyWindow{std::chrono::hours{4 * 24 + 18}, std::chrono::hours{8}});
  const auto segments =
      layer_timeline(one_layer({r}), range("2026-10-19T00:00:00Z", "2026-11-02T00:00:00Z"));
  std::vector<TimeRange> on;
  for (const auto& s : segments)
    if (!s.gap()) on.push_back(s.range());
  // The range starts inside the weekend before (until Mon 19 Oct 08:00 CEST =
  // 06:00Z); then Fri 23 Oct 18:00 CEST = 16:00Z to Mon 26 Oct 08:00 CET =
  // 07:00Z (63 hours: the weekend of the autumn change); then from Fri 30 Oct
  // 18:00 CET = 17:00Z to the end of the range.
  ASSERT_EQ(on.size(), 3u);
  EXPECT_EQ(on[0], range("2026-10-19T00:00:00Z", "2026-10-19T06:00:00Z"));
  EXPECT_EQ(on[1], range("2026-10-23T16:00:00Z", "2026-10-26T07:00:00Z"));
  EXPECT_EQ(on[1].length(), 63h);
  EXPECT_EQ(on[2], range("2026-10-30T17:00:00Z", "2026-11-02T00:00:00Z"));
}

TEST(RotaSchedule, RotationsOfALayerAddUp) {
  // Working days 08:00-18:00 one person, the rest another: always somebody.
  auto day = rotation({"day"}, ShiftLength::weeks(1), 8h, ymd(2026, 1, 5));
  for (int d = 0; d < 5; ++d)
    day.restrictions.push_back(
        WeeklyWindow{std::chrono::hours{24 * d + 8}, std::chrono::hours{24 * d + 18}});
  auto rest = rotation({"rest"}, ShiftLength::weeks(1), 8h, ymd(2026, 1, 5));
  rest.restrictions.push_back(WeeklyWindow{std::chrono::hours{4 * 24 + 18}, std::chrono::hours{8}});
  for (int d = 0; d < 4; ++d)
    rest.restrictions.push_back(
        WeeklyWindow{std::chrono::hours{24 * d + 18}, std::chrono::hours{24 * d + 32}});
  const Rota rota(one_layer({day, rest}), {},
                  range("2026-01-05T07:00:00Z", "2026-12-28T07:00:00Z"));
  for (auto t = utc("2026-01-05T07:00:00Z"); t < utc("2026-12-28T07:00:00Z"); t += 37min)
    ASSERT_EQ(rota.on_call("primary", "g", t).size(), 1u) << common::format_rfc3339(t);
  EXPECT_EQ(rota.on_call("primary", "g", utc("2026-06-03T10:00:00Z")),
            std::vector<std::string>{"day"});
  EXPECT_EQ(rota.on_call("primary", "g", utc("2026-06-06T10:00:00Z")),
            std::vector<std::string>{"rest"});
}

TEST(RotaSchedule, UnknownLayerIsEmpty) {
  const Rota rota(one_layer({rotation(abc, ShiftLength::days(1), 8h, ymd(2026, 1, 1))}), {},
                  range("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"));
  EXPECT_TRUE(rota.on_call("primary", "elsewhere", utc("2026-01-10T00:00:00Z")).empty());
  EXPECT_TRUE(rota.on_call("nights", "g", utc("2026-01-10T00:00:00Z")).empty());
  const auto t =
      rota.timeline("nights", "g", range("2026-01-10T00:00:00Z", "2026-01-11T00:00:00Z"));
  ASSERT_EQ(t.size(), 1u);
  EXPECT_TRUE(t[0].gap());
}

TEST(RotaSchedule, RejectsImpossibleDefinitions) {
  auto r = rotation(abc, ShiftLength{}, 8h, ymd(2026, 1, 1));
  EXPECT_THROW(Rota(one_layer({r}), {}, TimeRange{}), std::invalid_argument);
  r = rotation(abc, ShiftLength::days(1), 24h, ymd(2026, 1, 1));
  EXPECT_THROW(Rota(one_layer({r}), {}, TimeRange{}), std::invalid_argument);
  r = rotation(abc, ShiftLength::days(1), 8h, ymd(2026, 1, 1));
  r.restrictions.push_back(WeeklyWindow{0min, kMinutesPerWeek});
  EXPECT_THROW(Rota(one_layer({r}), {}, TimeRange{}), std::invalid_argument);
}

}  // namespace
}  // namespace piket::rota::test
