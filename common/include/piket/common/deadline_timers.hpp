#pragma once
// The deadline engine's durable timers (services/cases), as far as other
// services need them. One sorted set, store::kDeadlinesDue: member -> due time in
// domain milliseconds. Members are "<case id>|<clock>|<step>|<anchor>" for a
// step of a running clock, or "<case id>|resync" for "evaluate this case
// again": a producer that changes what a case's clocks depend on (ingest,
// when it accepts an incident) adds a resync timer in the same script as its
// change, so the engine learns of it durably and within one poll.

#include <string>
#include <string_view>

#include "piket/store/case_record.hpp"

namespace piket::common {

inline constexpr std::string_view kDeadlineTimers = store::kDeadlinesDue;

// Lua that adds (or moves earlier: ZADD LT) the resync timer of the case named
// by the Lua expression `case_expr`, due at the Lua expression `at_ms_expr`.
inline std::string deadline_resync_lua(std::string_view case_expr, std::string_view at_ms_expr) {
  return "redis.call('ZADD', '" + std::string(kDeadlineTimers) + "', 'LT', " +
         std::string(at_ms_expr) + ", " + std::string(case_expr) + " .. '|resync')\n";
}

}  // namespace piket::common
