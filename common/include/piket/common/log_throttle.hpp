#pragma once
// At most one log line per interval for a failure that repeats (Redis away, a
// stranger's refused connections), with how many were left out meanwhile. Time
// comes from the injected clock: the transport clock (real time, even when the
// domain clock is simulated). Thread-safe.

#include <mutex>

#include "piket/common/clock.hpp"

namespace piket::common {

class LogThrottle {
 public:
  LogThrottle(const Clock& clock, Millis every) : clock_(clock), every_(every) {}
  LogThrottle(const LogThrottle&) = delete;
  LogThrottle& operator=(const LogThrottle&) = delete;

  // True when a line may be logged now (the first time always; later, once
  // `every` has passed since the last line, or the clock went back);
  // `suppressed` is then how many were not logged since that line.
  bool allow(long& suppressed);
  bool allow() {
    long ignored = 0;
    return allow(ignored);
  }

 private:
  const Clock& clock_;
  const Millis every_;
  std::mutex mutex_;
  bool logged_once_ = false;
  Instant last_{};
  long suppressed_ = 0;
};

}  // namespace piket::common
