// A year of fairness on the demo rota's primary layer: six people, weekly
// shifts from Monday 5 January 2026 08:00 to Monday 4 January 2027 08:00.
// Expected figures are worked out by hand in the comments.
#include "piket/rota/fairness.hpp"

#include "rota_test_support.hpp"

namespace piket::rota::test {
namespace {

const std::vector<std::string> kSix{"icm-anna", "icm-bram", "icm-chantal",
                                    "icm-daan", "icm-eva",  "icm-fleur"};

std::map<std::string, FairnessRow> primary_year() {
  const auto year = range("2026-01-05T07:00:00Z", "2027-01-04T07:00:00Z");
  const Rota rota(one_layer({rotation(kSix, ShiftLength::weeks(1), 8h, ymd(2026, 1, 5))}), {},
                  TimeRange{year.start - 24h, year.end + 24h});
  std::map<std::string, FairnessRow> out;
  for (const auto& row : fairness(rota, year))
    if (row.layer == "primary") out[row.person] = row;
  return out;
}

TEST(RotaFairness, AYearOfWeeklyShifts) {
  const auto rows = primary_year();
  ASSERT_EQ(rows.size(), 6u);
  // 52 weeks: week i belongs to kSix[i % 6]; anna..daan get 9 weeks, eva and
  // fleur 8. Both DST weeks (11: 23-30 March, 167 h; 41: 19-26 October, 169 h)
  // are fleur's, so every week counts 168 h for her in total.
  for (const auto* p : {"icm-anna", "icm-bram", "icm-chantal", "icm-daan"}) {
    EXPECT_EQ(rows.at(p).on_call, 9 * 168h) << p;
    EXPECT_EQ(rows.at(p).stretches, 9) << p;
    EXPECT_EQ(rows.at(p).weekend, 9 * 48h) << p;
    EXPECT_EQ(rows.at(p).night, 9 * 7 * 9h) << p;  // nights 22:00-07:00
  }
  EXPECT_EQ(rows.at("icm-eva").on_call, 8 * 168h);
  EXPECT_EQ(rows.at("icm-fleur").on_call, 8 * 168h);
  // fleur's weekends: 28-29 March has 47 h, 24-25 October 49 h.
  EXPECT_EQ(rows.at("icm-fleur").weekend, 8 * 48h);
  // fleur's nights: 28/29 March is 8 h, 24/25 October 10 h.
  EXPECT_EQ(rows.at("icm-fleur").night, 8 * 7 * 9h);

  // Holidays in the range (Nieuwjaarsdag 2026 falls before it, 2027's in it):
  //  anna:    Goede Vrijdag 3 Apr 24, Pasen 5 Apr 24 + 6 Apr to 08:00 8,
  //           Hemelvaart 14 May 24                         = 80 h
  //  bram:    6 Apr from 08:00 16, Pinksteren 24 May 24 + 25 May to 08:00 8 = 48 h
  //  chantal: 25 May from 08:00 16, Kerst 25 + 26 Dec 48   = 64 h
  //  daan:    Koningsdag 27 Apr to 08:00 8, Nieuwjaar 2027 24 = 32 h
  //  eva:     Koningsdag from 08:00                        = 16 h
  //  fleur:   Bevrijdingsdag 5 May                         = 24 h
  EXPECT_EQ(rows.at("icm-anna").holiday, 80h);
  EXPECT_EQ(rows.at("icm-bram").holiday, 48h);
  EXPECT_EQ(rows.at("icm-chantal").holiday, 64h);
  EXPECT_EQ(rows.at("icm-daan").holiday, 32h);
  EXPECT_EQ(rows.at("icm-eva").holiday, 16h);
  EXPECT_EQ(rows.at("icm-fleur").holiday, 24h);

  common::Millis total{0};
  for (const auto& [p, row] : rows) total += row.on_call;
  EXPECT_EQ(total, 364 * 24h);
}

TEST(RotaFairness, OverridesMoveTheHours) {
  // bram covers anna's Easter Sunday (5 April 2026, 00:00-24:00 CEST).
  auto def = one_layer({rotation(kSix, ShiftLength::weeks(1), 8h, ymd(2026, 1, 5))});
  def.overrides.push_back(Override{"swap", "g", "primary", OverrideKind::replace, "icm-bram",
                                   "icm-anna",
                                   range("2026-04-04T22:00:00Z", "2026-04-05T22:00:00Z")});
  const auto r = range("2026-03-30T06:00:00Z", "2026-04-06T06:00:00Z");
  const Rota rota(def, {}, r);
  std::map<std::string, FairnessRow> rows;
  for (const auto& row : fairness(rota, r))
    if (row.layer == "primary") rows[row.person] = row;
  EXPECT_EQ(rows.at("icm-anna").on_call, 168h - 24h);
  EXPECT_EQ(rows.at("icm-bram").on_call, 24h);
  EXPECT_EQ(rows.at("icm-bram").holiday, 24h);
  EXPECT_EQ(rows.at("icm-bram").weekend, 24h);
  EXPECT_EQ(rows.at("icm-anna").holiday, 24h + 8h);  // Goede Vrijdag, 6 April to 08:00
  EXPECT_EQ(rows.at("icm-anna").stretches, 2);       // her week, cut in two by the swap
  EXPECT_EQ(rows.at("icm-bram").stretches, 1);
  EXPECT_EQ(rows.at("icm-chantal").on_call, 0h);  // listed, with nothing
}

TEST(RotaFairness, NightWindowIsConfigurable) {
  const auto r = range("2026-06-01T06:00:00Z", "2026-06-02T06:00:00Z");  // 08:00-08:00 CEST
  const Rota rota(one_layer({rotation({"a"}, ShiftLength::days(1), 8h, ymd(2026, 6, 1))}), {}, r);
  FairnessOptions evening{std::chrono::hours{18}, std::chrono::hours{8}};
  for (const auto& row : fairness(rota, r, evening)) {
    if (row.layer == "primary") {
      EXPECT_EQ(row.night, 14h);
    }
  }
  for (const auto& row : fairness(rota, r)) {
    if (row.layer == "primary") {
      EXPECT_EQ(row.night, 9h);
    }
  }
}

}  // namespace
}  // namespace piket::rota::test
