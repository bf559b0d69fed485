#include "piket/common/clock.hpp"

namespace piket::common {

Instant SystemClock::now() const {
  return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
}

void SimulatedClock::advance(Millis by) {
  if (by.count() > 0) ms_.fetch_add(by.count());
}

bool SimulatedClock::set(Instant to) {
  auto target = to.time_since_epoch().count();
  auto current = ms_.load();
  while (current <= target) {
    if (ms_.compare_exchange_weak(current, target)) return true;
  }
  return false;
}

}  // namespace piket::common
