#pragma once
// Calendar days on the Europe/Amsterdam wall clock, for the day-based clocks
// (check-in cadence, handover, evaluation, one year of monitoring). "Seven
// days after Tuesday 14:03" is the next Tuesday at 14:03 local time — across
// a DST change that is 167 or 169 hours. A wall-clock time that falls in the
// skipped hour (last Sunday of March, 02:00–03:00) happens at 03:00 CEST; one
// in the repeated hour (last Sunday of October) at its first occurrence.
// Hour-based clocks (the 12-hour plan, 48 hours before a ban ends) are exact
// elapsed time and do not use this.

#include "piket/common/clock.hpp"

namespace piket::cases {

common::Instant add_calendar_days(common::Instant t, int days);

}  // namespace piket::cases
