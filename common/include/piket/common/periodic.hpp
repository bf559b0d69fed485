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
//
// Liveness (GET /healthz, common/ops_endpoints.hpp): a started loop is stuck
// when one step has made no progress — not begun, and not asked running()
// from within the step — for longer than a bound on the loop's clock.
// stuck_loop_problem() looks at every started loop of the process.

#include <spdlog/common.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
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
  // False once stop() was called: a step that loops may end early. Asked
  // from within a step, it also counts as progress (above).
  bool running() const;
  // Ends the pause under way at once (the next step follows); true when the
  // loop was pausing and not woken already (so that waking one of several
  // loops per piece of work wakes a different one each time). While a step
  // runs it does nothing: that step's pause comes as usual.
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

  // The clock's epoch ms of the step's start or its last running(); kNoStep while pausing.
  static constexpr Millis::rep kNoStep = -1;
  friend std::optional<std::string> stuck_loop_problem(Millis stuck_after);

  PeriodicOptions options_;
  const Clock& clock_;
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
  mutable std::atomic<Millis::rep> progress_ms_{kNoStep};
};

// How long a step may go without progress before its loop counts as stuck: far
// longer than any Redis timeout (a step that waits on Redis fails and ends
// within `[redis] timeout_ms`, at most 60 s), so a Redis failover never makes
// a loop look stuck.
inline constexpr Millis kLoopStuckAfter{180'000};

// nullopt while no started loop of this process is stuck (above); otherwise
// which loop, and for how long, e.g. "loop 'notify' stuck in one step for 200 s".
std::optional<std::string> stuck_loop_problem(Millis stuck_after = kLoopStuckAfter);

}  // namespace piket::common
