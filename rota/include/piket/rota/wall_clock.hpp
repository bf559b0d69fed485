#pragma once
// Europe/Amsterdam wall-clock time: the time every rota is written in, computed
// on UTC instants with the system tz database (date/tz, USE_OS_TZDB).
//
// The one rule (docs/rota-time-rules.md): a wall-clock time happens at the
// FIRST instant at which the Amsterdam clock shows that time or later. So a
// time in the skipped hour (02:00–03:00 on the last Sunday of March) happens at
// the jump, 03:00 CEST; a time in the repeated hour (02:00–03:00 on the last
// Sunday of October) happens at its first occurrence, in CEST.
//
// Debian's tz files list transitions up to 2037 only; after the last listed
// transition the zone's POSIX rule (the TZif footer) is applied, so DST stays
// correct in 2038 and later.

#include <date/date.h>

#include <optional>
#include <string>
#include <string_view>

#include "piket/common/clock.hpp"

namespace piket::rota {

// A reading of the Amsterdam wall clock (no offset attached).
using LocalTime = date::local_time<common::Millis>;

// The first instant at which the Amsterdam clock reads `wall` or later.
// Monotone: a <= b implies to_instant(a) <= to_instant(b).
common::Instant to_instant(LocalTime wall);

// What the Amsterdam clock reads at `t`.
LocalTime to_local(common::Instant t);

// The Amsterdam calendar date at `t`.
date::year_month_day local_date(common::Instant t);

// Amsterdam's offset from UTC at `t` (+60 or +120 minutes).
std::chrono::minutes utc_offset(common::Instant t);

// "2026-03-29 03:00 +02:00": Amsterdam wall-clock time with its offset.
std::string format_local(common::Instant t);

// "20260329T010000Z": the iCalendar UTC form.
std::string format_ical_utc(common::Instant t);

// Accepts RFC 3339 with an offset ("2026-03-29T01:30:00Z", "…+02:00"), an
// Amsterdam wall-clock time ("2026-03-29T02:30", "2026-03-29 02:30:00"), or an
// Amsterdam date ("2026-03-29", its midnight). Wall-clock times follow the rule
// above. nullopt for anything else.
std::optional<common::Instant> parse_time(std::string_view text);

// Loads the zone data now; throws std::runtime_error when it is missing, so a
// program can fail at start-up rather than at its first rota query.
void check_time_zone_data();

}  // namespace piket::rota
