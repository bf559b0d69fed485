#include "piket/rota/holidays.hpp"

#include "rota_test_support.hpp"

namespace piket::rota::test {
namespace {

struct EasterCase {
  int year;
  unsigned month, day;
};
void PrintTo(const EasterCase& c, std::ostream* os) {
  *os << c.year;
}

class RotaEaster : public ::testing::TestWithParam<EasterCase> {};

TEST_P(RotaEaster, KnownDates) {
  const auto& c = GetParam();
  EXPECT_EQ(easter_sunday(date::year{c.year}), ymd(c.year, c.month, c.day));
}

// Published Easter dates.
INSTANTIATE_TEST_SUITE_P(Published, RotaEaster,
                         ::testing::Values(EasterCase{2008, 3, 23}, EasterCase{2011, 4, 24},
                                           EasterCase{2016, 3, 27}, EasterCase{2024, 3, 31},
                                           EasterCase{2025, 4, 20}, EasterCase{2026, 4, 5},
                                           EasterCase{2027, 3, 28}, EasterCase{2028, 4, 16},
                                           EasterCase{2038, 4, 25}, EasterCase{2285, 3, 22}),
                         [](const auto& param_info) {
                           return "Y" + std::to_string(param_info.param.year);
                         });

TEST(RotaHolidays, Year2026) {
  std::vector<std::pair<date::year_month_day, std::string>> got;
  for (const auto& h : dutch_public_holidays(date::year{2026}))
    got.emplace_back(h.date, std::string(h.name));
  EXPECT_EQ(got, (std::vector<std::pair<date::year_month_day, std::string>>{
                     {ymd(2026, 1, 1), "Nieuwjaarsdag"},
                     {ymd(2026, 4, 3), "Goede Vrijdag"},
                     {ymd(2026, 4, 5), "Eerste Paasdag"},
                     {ymd(2026, 4, 6), "Tweede Paasdag"},
                     {ymd(2026, 4, 27), "Koningsdag"},
                     {ymd(2026, 5, 5), "Bevrijdingsdag"},
                     {ymd(2026, 5, 14), "Hemelvaartsdag"},
                     {ymd(2026, 5, 24), "Eerste Pinksterdag"},
                     {ymd(2026, 5, 25), "Tweede Pinksterdag"},
                     {ymd(2026, 12, 25), "Eerste Kerstdag"},
                     {ymd(2026, 12, 26), "Tweede Kerstdag"},
                 }));
}

TEST(RotaHolidays, KingsDayMovesOffSunday) {
  EXPECT_TRUE(is_dutch_public_holiday(ymd(2025, 4, 26)));  // the 27th was a Sunday
  EXPECT_FALSE(is_dutch_public_holiday(ymd(2025, 4, 27)));
  EXPECT_TRUE(is_dutch_public_holiday(ymd(2031, 4, 26)));  // 27 April 2031 is a Sunday
  EXPECT_TRUE(is_dutch_public_holiday(ymd(2027, 4, 27)));
  EXPECT_TRUE(is_dutch_public_holiday(ymd(2013, 4, 30)));  // Koninginnedag
}

TEST(RotaHolidays, OrdinaryDays) {
  EXPECT_FALSE(is_dutch_public_holiday(ymd(2026, 3, 29)));
  EXPECT_FALSE(is_dutch_public_holiday(ymd(2028, 2, 29)));
  EXPECT_FALSE(is_dutch_public_holiday(ymd(2026, 12, 31)));
  EXPECT_TRUE(is_dutch_public_holiday(ymd(2028, 4, 14)));  // Goede Vrijdag 2028
  EXPECT_TRUE(is_dutch_public_holiday(ymd(2028, 5, 25)));  // Hemelvaartsdag 2028
}

}  // namespace
}  // namespace piket::rota::test
