#pragma once
// A rotation: people taking turns in shifts of fixed WALL-CLOCK length, handed
// over at an Amsterdam wall-clock time. "day" is 24 wall-clock hours, so a day
// shift across a DST change lasts 23 or 25 real hours and the handoff stays at
// the same time of day; "hours" shifts follow the same rule.

#include <date/date.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace piket::rota {

struct ShiftLength {
  // Wall-clock lengths of consecutive shifts, repeating. One entry for
  // "12 hours", "day" or "week"; several for a custom pattern.
  std::vector<std::chrono::minutes> cycle;

  static ShiftLength hours(int h);
  static ShiftLength days(int n);
  static ShiftLength weeks(int n);
  static ShiftLength custom(const std::vector<int>& hours);

  std::chrono::minutes cycle_length() const;
  friend bool operator==(const ShiftLength&, const ShiftLength&) = default;
};

// A stretch of the week in Amsterdam wall-clock time, in minutes since Monday
// 00:00, each in [0, 7*24*60). A window with to <= from wraps past Sunday
// midnight into the next week (so from == to is the whole week).
struct WeeklyWindow {
  std::chrono::minutes from{0};
  std::chrono::minutes to{0};
  friend bool operator==(const WeeklyWindow&, const WeeklyWindow&) = default;
};

inline constexpr std::chrono::minutes kMinutesPerWeek{7 * 24 * 60};

struct Rotation {
  std::string name;
  ShiftLength shift = ShiftLength::weeks(1);
  // Time of day of every handoff of a "day"/"week" rotation and of the first
  // handoff of any rotation, in [0, 24h).
  std::chrono::minutes handoff{8 * 60};
  // The first shift starts on this date at `handoff`.
  date::year_month_day start{};
  // The rotation stops on this date at `handoff` (exclusive); none: runs on.
  std::optional<date::year_month_day> end;
  // Shift k (k = 0 from `start`) belongs to members[(k + offset) mod size].
  std::vector<std::string> members;
  int offset = 0;
  // When not empty, the rotation covers only these windows; its shifts keep
  // their schedule and are masked outside the windows.
  std::vector<WeeklyWindow> restrictions;
};

}  // namespace piket::rota
