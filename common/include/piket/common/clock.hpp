#pragma once
// The one time source of piket. Nothing else reads the wall clock: every
// component takes a Clock& and tests or demos drive a SimulatedClock.

#include <atomic>
#include <chrono>

namespace piket::common {

using Millis = std::chrono::milliseconds;
using Instant = std::chrono::sys_time<Millis>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant now() const = 0;
};

// Reads the system clock. The only place in piket that does.
class SystemClock final : public Clock {
 public:
  Instant now() const override;
};

// Time moves only when told to. Never goes backwards. Thread-safe.
class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(Instant start) : ms_(start.time_since_epoch().count()) {}
  Instant now() const override { return Instant{Millis{ms_.load()}}; }
  void advance(Millis by);
  // Returns false (and changes nothing) if `to` is before now().
  bool set(Instant to);

 private:
  std::atomic<Millis::rep> ms_;
};

inline std::int64_t to_epoch_ms(Instant t) { return t.time_since_epoch().count(); }
inline Instant from_epoch_ms(std::int64_t ms) { return Instant{Millis{ms}}; }

}  // namespace piket::common
