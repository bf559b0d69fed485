#pragma once
// The shared simulated clock (common/shared_clock.hpp; simulated deployments only).

#include <string_view>

namespace piket::store {

inline constexpr std::string_view kClockSimulatedMs = "clock:simulated_ms";
inline constexpr std::string_view kClockSeen = "clock:seen";
// The pub/sub channel a move of the clock is announced on.
inline constexpr std::string_view kClockChanged = "clock:changed";

}  // namespace piket::store
