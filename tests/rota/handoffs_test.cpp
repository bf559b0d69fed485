#include "piket/rota/handoffs.hpp"

#include "rota_test_support.hpp"

namespace piket::rota::test {
namespace {

TEST(RotaHandoffs, NextHandoffOfEachPerson) {
  // Weekly a, b, c from Monday 16 March 2026 08:00 CET; at Wednesday 25 March
  // b is on call (week 1) until Monday 30 March 08:00 CEST (06:00Z).
  auto def = one_layer({rotation({"a", "b", "c"}, ShiftLength::weeks(1), 8h, ymd(2026, 3, 16))});
  const Rota rota(def, {}, range("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z"));
  const auto at = utc("2026-03-25T12:00:00Z");
  std::map<std::string, PersonHandoff> by;
  for (const auto& h : next_handoffs(rota, at, 24h * 14))
    if (h.layer == "primary") by[h.person] = h;
  ASSERT_EQ(by.size(), 3u);

  EXPECT_TRUE(by["b"].on_call_now);
  EXPECT_EQ(by["b"].off_at, utc("2026-03-30T06:00:00Z"));
  EXPECT_FALSE(by["b"].next_on_at);  // b's next week starts 13 April: beyond 14 days

  EXPECT_FALSE(by["c"].on_call_now);
  EXPECT_EQ(by["c"].next_on_at, utc("2026-03-30T06:00:00Z"));
  EXPECT_EQ(by["c"].next_off_at, utc("2026-04-06T06:00:00Z"));

  EXPECT_EQ(by["a"].next_on_at, utc("2026-04-06T06:00:00Z"));
  EXPECT_FALSE(by["a"].next_off_at);  // runs past the look-ahead (8 April 12:00Z)
}

// A notice an hour before a week's shift says when the week ends: the end is
// looked for past the look-ahead, the next stretch is not.
TEST(RotaHandoffs, TheEndOfTheNextStretchIsFoundBeyondTheLookAhead) {
  auto def = one_layer({rotation({"a", "b", "c"}, ShiftLength::weeks(1), 8h, ymd(2026, 3, 16))});
  const Rota rota(def, {}, range("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z"));
  // Monday 30 March 07:30 CEST: c comes on at 08:00 (06:00Z) for a week.
  const auto at = utc("2026-03-30T05:30:00Z");
  std::map<std::string, PersonHandoff> hour, searched;
  for (const auto& h : next_handoffs(rota, at, 1h)) hour[h.person] = h;
  for (const auto& h : next_handoffs(rota, at, 1h, 24h * 35)) searched[h.person] = h;
  EXPECT_EQ(hour["c"].next_on_at, utc("2026-03-30T06:00:00Z"));
  EXPECT_FALSE(hour["c"].next_off_at) << "a week's end is past an hour's look-ahead";
  EXPECT_EQ(searched["c"].next_on_at, utc("2026-03-30T06:00:00Z"));
  EXPECT_EQ(searched["c"].next_off_at, utc("2026-04-06T06:00:00Z"));
  EXPECT_TRUE(searched["b"].on_call_now);
  EXPECT_EQ(searched["b"].off_at, utc("2026-03-30T06:00:00Z"));
  EXPECT_FALSE(searched["b"].next_on_at) << "b's next week is searched for its end only";
  EXPECT_FALSE(searched["a"].next_on_at) << "a's week from 6 April is past the look-ahead";
}

TEST(RotaHandoffs, AlwaysOnIsOnWithoutAnEnd) {
  const Rota rota(
      one_layer({rotation({"t"}, ShiftLength::weeks(1), 8h, ymd(2026, 1, 5))}, "team_lead"), {},
      range("2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z"));
  for (const auto& h : next_handoffs(rota, utc("2026-02-01T00:00:00Z"), 24h * 3)) {
    if (h.layer != "team_lead") continue;
    EXPECT_TRUE(h.on_call_now);
    EXPECT_FALSE(h.off_at);
    EXPECT_FALSE(h.next_on_at);
  }
}

}  // namespace
}  // namespace piket::rota::test
