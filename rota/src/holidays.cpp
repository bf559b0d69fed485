#include "piket/rota/holidays.hpp"

#include <algorithm>

namespace piket::rota {

date::year_month_day easter_sunday(date::year y) {
  const int year = static_cast<int>(y);
  const int a = year % 19;
  const int b = year / 100;
  const int c = year % 100;
  const int d = b / 4;
  const int e = b % 4;
  const int f = (b + 8) / 25;
  const int g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4;
  const int k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31;
  const int day = ((h + l - 7 * m + 114) % 31) + 1;
  return date::year_month_day{y, date::month{static_cast<unsigned>(month)},
                              date::day{static_cast<unsigned>(day)}};
}

std::vector<PublicHoliday> dutch_public_holidays(date::year y) {
  using date::days;
  using date::sys_days;
  const sys_days easter{easter_sunday(y)};
  auto ymd = [](sys_days d) { return date::year_month_day{d}; };
  auto fixed = [&](unsigned m, unsigned d) {
    return date::year_month_day{y, date::month{m}, date::day{d}};
  };
  // Koningsdag (from 2014): 27 April, the 26th when the 27th is a Sunday.
  // Koninginnedag (before): 30 April, the 29th when the 30th is a Sunday.
  const bool king = static_cast<int>(y) >= 2014;
  auto kings_day = fixed(4, king ? 27 : 30);
  if (date::weekday{sys_days{kings_day}} == date::Sunday)
    kings_day = ymd(sys_days{kings_day} - days{1});

  std::vector<PublicHoliday> out{
      {fixed(1, 1), "Nieuwjaarsdag"},
      {ymd(easter - days{2}), "Goede Vrijdag"},
      {ymd(easter), "Eerste Paasdag"},
      {ymd(easter + days{1}), "Tweede Paasdag"},
      {kings_day, king ? "Koningsdag" : "Koninginnedag"},
      {fixed(5, 5), "Bevrijdingsdag"},
      {ymd(easter + days{39}), "Hemelvaartsdag"},
      {ymd(easter + days{49}), "Eerste Pinksterdag"},
      {ymd(easter + days{50}), "Tweede Pinksterdag"},
      {fixed(12, 25), "Eerste Kerstdag"},
      {fixed(12, 26), "Tweede Kerstdag"},
  };
  std::stable_sort(out.begin(), out.end(),
                   [](const PublicHoliday& a, const PublicHoliday& b) { return a.date < b.date; });
  return out;
}

bool is_dutch_public_holiday(date::year_month_day d) {
  for (const auto& h : dutch_public_holidays(d.year()))
    if (h.date == d) return true;
  return false;
}

}  // namespace piket::rota
