#include "piket/cases/calendar.hpp"

#include <date/tz.h>

namespace piket::cases {

common::Instant add_calendar_days(common::Instant t, int days) {
  static const date::time_zone* zone = date::locate_zone("Europe/Amsterdam");
  const auto local = zone->to_local(t) + date::days{days};
  const auto info = zone->get_info(local);
  // Skipped hour: the first instant the clock reads `local` or later is the
  // transition itself. Repeated hour: the first occurrence.
  if (info.result == date::local_info::nonexistent) return info.first.end;
  return common::Instant{local.time_since_epoch() - info.first.offset};
}

}  // namespace piket::cases
