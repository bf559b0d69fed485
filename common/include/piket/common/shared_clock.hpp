#pragma once
// The simulated clock of a test or demo deployment, shared by every service
// through Redis (key store::kClockSimulatedMs). Only the admin clock endpoint moves
// it, and never backwards; each service follows within ~10 ms (more on a
// loaded machine) and then writes the time it follows into the hash
// store::kClockSeen under its Redis user, so whoever moved the clock can wait
// until every service is there — and under seen_instance_field(user, pid), so
// that a driver of two instances of a service can wait for each (a field a
// process start in a simulated deployment; a test's or demo's few).

#include <sys/types.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "piket/common/clock.hpp"
#include "piket/common/config.hpp"

namespace piket::common {

// An instance's own field in store::kClockSeen: "<Redis user>:<pid>".
std::string seen_instance_field(std::string_view user, pid_t pid = ::getpid());

// Starts following the shared clock (a common::Periodic loop, every 10 ms;
// `transport_clock` throttles its failure log, and must outlive the clock);
// initialises it to `start` if the deployment has none yet. Throws RedisError
// if Redis cannot be reached.
std::unique_ptr<Clock> make_shared_simulated_clock(const RedisConfig& redis, Instant start,
                                                   const Clock& transport_clock);

// Moves the shared clock forward by `advance` or to `set`. Returns the new
// time, or nullopt when `set` lies before the current time (nothing changes).
std::optional<Instant> move_shared_clock(const RedisConfig& redis, std::optional<Millis> advance,
                                         std::optional<Instant> set);

// While it lives, `on_move` is called (on the shared clock's follower thread;
// it must return at once) each time the shared simulated clock moves forward:
// a loop that sleeps until a time of the domain clock wakes then. For any
// other clock it does nothing (the system clock moves by itself). Destroyed,
// no call of it is under way or comes after.
class ClockMoves {
 public:
  ClockMoves(const Clock& domain_clock, std::function<void()> on_move);
  ~ClockMoves();
  ClockMoves(const ClockMoves&) = delete;
  ClockMoves& operator=(const ClockMoves&) = delete;

 private:
  const Clock* clock_ = nullptr;  // the shared simulated clock; null: another
  int id_ = 0;
};

}  // namespace piket::common
