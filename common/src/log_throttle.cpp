#include "piket/common/log_throttle.hpp"

namespace piket::common {

bool LogThrottle::allow(long& suppressed) {
  const auto now = clock_.now();
  std::lock_guard lock(mutex_);
  if (logged_once_ && now >= last_ && now - last_ < every_) {
    ++suppressed_;
    return false;
  }
  logged_once_ = true;
  last_ = now;
  suppressed = suppressed_;
  suppressed_ = 0;
  return true;
}

}  // namespace piket::common
