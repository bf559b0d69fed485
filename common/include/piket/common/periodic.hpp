#pragma once
// A step run on its own thread, again and again with a pause between, until
// stopped: the one shape of piket's background loops (dispatch's rota refresh
// and escalation timers, the deadline engine's timer loop, web's refusal
// tally and live updates, notify's workers, the shared clock's follower). A
// step that throws is logged as "<name>: <what>; will retry", at most once per
// `log_every` (LogThrottle on the injected clock, the transport clock), and
// tried again after `after_failure`. A step with more to do loops itself
// while running() (the deadline engine, notify); wake() cuts a pause short
// when work arrives.

#include <spdlog/common.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "piket/common/clock.hpp"
#include "piket/common/log_throttle.hpp"

namespace piket::common {

struct PeriodicOptions {
  std::string name;         // names the loop in its log lines
  Millis every{1000};       // the pause after a step
  Millis after_failure{0};  // the pause after a step that threw; 0: `every`
  Millis log_every{5000};   // at most one failure line per this
  spdlog::level::level_enum failure_level = spdlog::level::warn;
};

// Not copyable or movable (the thread runs on this object). The destructor
// stops the loop.
class Periodic {
 public:
  using Step = std::function<void()>;
  Periodic(PeriodicOptions options, const Clock& clock, Step step);
  ~Periodic();
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;

  // Starts the thread: the first step at once. Does nothing when running;
  // starts again after stop(). Not to be called from a step.
  void start();
  // Ends the pause at once and waits for a step under way to finish.
  void stop();
  // False once stop() was called: a step that loops may end early.
  bool running() const { return running_; }
  // Ends the pause under way at once (the next step follows); true when the
  // loop was pausing. While a step runs it does nothing: that step's pause
  // comes as usual.
  bool wake();
  // Like wake(), but never lost: a wake that comes while a step runs skips
  // the pause after that step (a loop that sleeps until its next due time —
  // dispatch's family router — must not sleep past work that came meanwhile).
  void wake_kept();
  // From within a step: the pause after this step is `pause` instead of
  // `every` (once; a failure's pause and wake() still apply). A loop with
  // nothing due may look less often (notify's idle workers).
  void pause_next(Millis pause) { next_pause_ms_ = pause.count(); }

 private:
  void run();

  PeriodicOptions options_;
  Step step_;
  LogThrottle failures_;
  std::atomic<bool> running_{false};
  std::atomic<Millis::rep> next_pause_ms_{-1};  // -1: `every`
  std::mutex mutex_;
  std::condition_variable pause_;
  bool pausing_ = false;  // guarded by mutex_
  bool woken_ = false;    // guarded by mutex_
  bool kept_ = false;     // guarded by mutex_: wake_kept() while a step ran
  std::thread thread_;
};

}  // namespace piket::common
