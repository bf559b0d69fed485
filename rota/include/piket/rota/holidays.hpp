#pragma once
// Dutch public holidays, for the fairness report. Counted (docs/rota-time-rules.md):
// Nieuwjaarsdag (1 Jan), Goede Vrijdag, Eerste en Tweede Paasdag, Koningsdag
// (27 Apr, 26 Apr when the 27th is a Sunday; before 2014 Koninginnedag, 30 Apr,
// 29 Apr when a Sunday), Bevrijdingsdag (5 May, every year), Hemelvaartsdag,
// Eerste en Tweede Pinksterdag, Eerste en Tweede Kerstdag (25, 26 Dec).

#include <date/date.h>

#include <string_view>
#include <vector>

namespace piket::rota {

struct PublicHoliday {
  date::year_month_day date;
  std::string_view name;
};

// Easter Sunday (Gregorian; the anonymous algorithm of Meeus/Jones/Butcher).
date::year_month_day easter_sunday(date::year y);

// The holidays of year `y`, in date order.
std::vector<PublicHoliday> dutch_public_holidays(date::year y);

bool is_dutch_public_holiday(date::year_month_day d);

}  // namespace piket::rota
