#pragma once
// A change to a layer in a time window: sickness, leave, swaps, extra cover.
// Overrides come from the rota file and, at run time, from the store; the rota
// applies them in order (the file's first, then the run-time ones), each on top
// of what the rotations and the earlier overrides give.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "piket/rota/time_range.hpp"

namespace piket::rota {

enum class OverrideKind {
  replace,  // `person` takes over from `replaces` while `replaces` is on call
  add,      // `person` is on call as well
  remove,   // `person` is not on call
};
std::string_view to_string(OverrideKind kind);

struct Override {
  std::string id;  // stable: for messages, audit and later removal
  std::string region;
  std::string layer;
  OverrideKind kind = OverrideKind::replace;
  std::string person;
  std::string replaces;  // replace only
  TimeRange window;
};

// The one rule for a run-time override's window, whichever API sets it (the
// rota API of dispatch, the web app): it ends after it starts, lasts at most
// kMaxOverrideLength, and does not end in the past. Each API words the
// refusal in its own error codes.
inline constexpr std::chrono::days kMaxOverrideLength{90};
enum class OverrideWindowProblem { empty, too_long, in_past };
std::optional<OverrideWindowProblem> check_override_window(const TimeRange& window,
                                                           common::Instant now);

}  // namespace piket::rota
