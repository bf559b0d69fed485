// The one background-loop helper (periodic.hpp) and its throttled failure log
// (log_throttle.hpp), on an injected clock.
#include "piket/common/periodic.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

#include "piket/common/log_throttle.hpp"

namespace piket::common {
namespace {

using namespace std::chrono_literals;

const Instant kStart = from_epoch_ms(1'800'000'000'000);

TEST(LogThrottle, FirstLineThenOnePerIntervalWithTheCountLeftOut) {
  SimulatedClock clock(kStart);
  LogThrottle throttle(clock, Millis{5000});
  long suppressed = -1;
  EXPECT_TRUE(throttle.allow(suppressed));
  EXPECT_EQ(suppressed, 0);
  EXPECT_FALSE(throttle.allow(suppressed));
  clock.advance(Millis{4999});
  EXPECT_FALSE(throttle.allow(suppressed));
  clock.advance(Millis{1});
  EXPECT_TRUE(throttle.allow(suppressed));
  EXPECT_EQ(suppressed, 2);
  EXPECT_FALSE(throttle.allow());
}

// The transport clock is the system clock, which may be set back: a line is
// then allowed rather than held back until the clock catches up.
class SettableClock final : public Clock {
 public:
  Instant now() const override { return at; }
  Instant at = kStart;
};

TEST(LogThrottle, AClockSetBackAllowsALine) {
  SettableClock clock;
  LogThrottle throttle(clock, Millis{5000});
  EXPECT_TRUE(throttle.allow());
  clock.at = kStart - 1h;
  EXPECT_TRUE(throttle.allow());
  EXPECT_FALSE(throttle.allow());
}

// Installs a logger that keeps its lines, for the duration of a test.
class KeptLines {
 public:
  KeptLines()
      : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(100)),
        previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>("test", sink_);
    logger->set_level(spdlog::level::trace);
    logger->set_pattern("%l %v");
    spdlog::set_default_logger(logger);
  }
  ~KeptLines() { spdlog::set_default_logger(previous_); }
  std::vector<std::string> lines() const {
    auto out = sink_->last_formatted();
    for (auto& l : out)
      while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.pop_back();
    return out;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

template <typename Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 500; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

TEST(Periodic, RunsTheStepUntilStopped) {
  SimulatedClock clock(kStart);
  std::atomic<int> steps{0};
  Periodic loop({"counting", Millis{1}}, clock, [&] { ++steps; });
  EXPECT_FALSE(loop.running());
  loop.start();
  EXPECT_TRUE(loop.running());
  ASSERT_TRUE(eventually([&] { return steps >= 5; }));
  loop.stop();
  EXPECT_FALSE(loop.running());
  const int after = steps;
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(steps, after) << "no step after stop()";
}

TEST(Periodic, StartsAgainAfterStop) {
  SimulatedClock clock(kStart);
  std::atomic<int> steps{0};
  Periodic loop({"again", Millis{1}}, clock, [&] { ++steps; });
  loop.start();
  ASSERT_TRUE(eventually([&] { return steps >= 1; }));
  loop.stop();
  const int after = steps;
  loop.start();
  ASSERT_TRUE(eventually([&] { return steps > after; }));
  loop.stop();
}

TEST(Periodic, TheFirstStepRunsAtOnceAndStopEndsThePause) {
  SimulatedClock clock(kStart);
  std::atomic<int> steps{0};
  Periodic loop({"slow", Millis{3'600'000}}, clock, [&] { ++steps; });
  loop.start();
  ASSERT_TRUE(eventually([&] { return steps == 1; }));
  auto stopped = std::async(std::launch::async, [&] { loop.stop(); });
  ASSERT_EQ(stopped.wait_for(5s), std::future_status::ready) << "stop() waits out the hour";
  EXPECT_EQ(steps, 1);
}

TEST(Periodic, FailuresAreRetriedAndLoggedOncePerIntervalOfTheInjectedClock) {
  KeptLines log;
  SimulatedClock clock(kStart);  // does not move: one line however often it fails
  std::atomic<int> tries{0};
  {
    Periodic loop({"escalation timers", Millis{3'600'000}, Millis{1}, Millis{5000}}, clock, [&] {
      ++tries;
      throw std::runtime_error("redis unavailable");
    });
    loop.start();
    ASSERT_TRUE(eventually([&] { return tries >= 20; })) << "retried after_failure, not every";
    clock.advance(Millis{5000});
    const int before = tries;
    ASSERT_TRUE(eventually([&] { return tries >= before + 20; }));
  }  // the destructor stops the loop
  std::vector<std::string> failures;
  for (const auto& l : log.lines())
    if (l.find("escalation timers") != std::string::npos) failures.push_back(l);
  ASSERT_EQ(failures.size(), 2U);
  EXPECT_EQ(failures[0], "warning escalation timers: redis unavailable; will retry");
}

TEST(Periodic, TheFailureLevelIsTheCallers) {
  KeptLines log;
  SimulatedClock clock(kStart);
  std::atomic<int> tries{0};
  PeriodicOptions options{"rota refresh", Millis{1}};
  options.failure_level = spdlog::level::debug;
  Periodic loop(options, clock, [&] {
    ++tries;
    throw std::runtime_error("no");
  });
  loop.start();
  ASSERT_TRUE(eventually([&] { return tries >= 2; }));
  loop.stop();
  bool found = false;
  for (const auto& l : log.lines()) found = found || l == "debug rota refresh: no; will retry";
  EXPECT_TRUE(found);
}

TEST(Periodic, WakeEndsThePauseButNotAStep) {
  SimulatedClock clock(kStart);
  std::atomic<int> steps{0};
  std::atomic<bool> hold{false};
  Periodic loop({"woken", Millis{3'600'000}}, clock, [&] {
    ++steps;
    while (hold) std::this_thread::sleep_for(1ms);
  });
  EXPECT_FALSE(loop.wake()) << "not started: nothing to wake";
  loop.start();
  ASSERT_TRUE(eventually([&] { return steps == 1 && loop.wake(); })) << "pausing for an hour";
  ASSERT_TRUE(eventually([&] { return steps == 2; })) << "the next step at once";
  hold = true;
  ASSERT_TRUE(eventually([&] { return loop.wake(); }));
  ASSERT_TRUE(eventually([&] { return steps == 3; }));
  EXPECT_FALSE(loop.wake()) << "a step under way is not cut short";
  hold = false;
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(steps, 3) << "its pause comes as usual";
  loop.stop();
}

// A second wake of the same pause is not a wake of its own: notify wakes one
// worker per batch of new sends, and two batches must reach two workers, not
// the same one twice.
TEST(Periodic, ASecondWakeOfTheSamePauseIsNotCounted) {
  SimulatedClock clock(kStart);
  std::atomic<int> steps{0};
  std::atomic<bool> hold{false};
  Periodic loop({"twice", Millis{3'600'000}}, clock, [&] {
    ++steps;
    while (hold) std::this_thread::sleep_for(1ms);
  });
  loop.start();
  ASSERT_TRUE(eventually([&] { return steps == 1; }));
  hold = true;  // the step the wake starts stays under way: the loop cannot pause again
  ASSERT_TRUE(eventually([&] { return loop.wake(); })) << "pausing for an hour";
  EXPECT_FALSE(loop.wake()) << "woken already (or its step under way)";
  ASSERT_TRUE(eventually([&] { return steps == 2; }));
  EXPECT_FALSE(loop.wake()) << "a step under way";
  hold = false;
  loop.stop();
}

// wake_kept(): a wake that comes during a step is not lost — the pause after
// that step is skipped (dispatch's family router sleeps until its next due
// time and must see a message that came while it looked).
TEST(Periodic, AKeptWakeDuringAStepSkipsThePauseAfterIt) {
  SimulatedClock clock(kStart);
  std::atomic<int> steps{0};
  std::atomic<bool> hold{false};
  Periodic loop({"kept", Millis{3'600'000}}, clock, [&] {
    ++steps;
    while (hold) std::this_thread::sleep_for(1ms);
  });
  hold = true;
  loop.start();
  ASSERT_TRUE(eventually([&] { return steps == 1; }));
  loop.wake_kept();  // during the step
  hold = false;
  ASSERT_TRUE(eventually([&] { return steps == 2; })) << "no pause of an hour";
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(steps, 2) << "kept once: then the pause as usual";
  loop.wake_kept();  // pausing now
  ASSERT_TRUE(eventually([&] { return steps == 3; })) << "while pausing it is a wake";
  loop.stop();
}

TEST(Periodic, AStepMaySetThePauseAfterItOnce) {
  SimulatedClock clock(kStart);
  std::atomic<int> steps{0};
  Periodic* self = nullptr;
  Periodic loop({"idle", Millis{1}}, clock, [&] {
    if (++steps == 2) self->pause_next(Millis{3'600'000});  // nothing due: look in an hour
  });
  self = &loop;
  loop.start();
  ASSERT_TRUE(eventually([&] { return steps >= 2; }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(steps, 2) << "the longer pause, not `every` (1 ms)";
  ASSERT_TRUE(eventually([&] { return loop.wake(); })) << "pausing: a wake ends it";
  ASSERT_TRUE(eventually([&] { return steps >= 10; })) << "then `every` again";
  loop.stop();
}

TEST(Periodic, ALoopingStepSeesTheStop) {
  SimulatedClock clock(kStart);
  std::atomic<bool> inside{false};
  Periodic* self = nullptr;
  Periodic loop({"draining", Millis{1}}, clock, [&] {
    inside = true;
    while (self->running()) std::this_thread::sleep_for(1ms);
  });
  self = &loop;
  loop.start();
  ASSERT_TRUE(eventually([&] { return inside.load(); }));
  loop.stop();  // returns: the step ended when running() turned false
  EXPECT_FALSE(loop.running());
}

// Liveness (GET /healthz): a step that has made no progress for longer than the bound, on the
// loop's clock, makes its loop stuck; a loop that pauses is not.
TEST(Periodic, AStepWithoutProgressPastTheBoundIsStuck) {
  SimulatedClock clock(kStart);
  std::promise<void> release;
  const auto released = release.get_future().share();
  std::atomic<bool> inside{false};
  Periodic loop({"blocked", Millis{3'600'000}}, clock, [&] {
    inside = true;
    released.wait();
  });
  clock.advance(Millis{5000});
  EXPECT_EQ(stuck_loop_problem(Millis{1000}), std::nullopt) << "not started";
  loop.start();
  // Not ASSERT before the release below: stop() would wait for the step for ever.
  EXPECT_TRUE(eventually([&] { return inside.load(); }));
  EXPECT_EQ(stuck_loop_problem(Millis{1000}), std::nullopt);
  clock.advance(Millis{1000});
  EXPECT_EQ(stuck_loop_problem(Millis{1000}), std::nullopt) << "at the bound";
  clock.advance(Millis{1500});
  EXPECT_TRUE(loop.running()) << "asked from another thread: no progress of the step";
  EXPECT_EQ(stuck_loop_problem(Millis{1000}), "loop 'blocked' stuck in one step for 2 s");
  EXPECT_EQ(stuck_loop_problem(Millis{3000}), std::nullopt) << "a longer bound";

  release.set_value();
  ASSERT_TRUE(eventually([&] { return !stuck_loop_problem(Millis{1000}); }));
  clock.advance(Millis{600'000});
  EXPECT_EQ(stuck_loop_problem(Millis{1000}), std::nullopt) << "pausing is not stuck";
  loop.stop();
}

// A step that loops while running() (the deadline engine, notify's workers) makes progress at
// every round, however long it runs; once stopped the loop is not looked at.
TEST(Periodic, ALoopingStepThatAsksRunningIsNotStuck) {
  SimulatedClock clock(kStart);
  std::atomic<int> rounds{0};
  Periodic* self = nullptr;
  Periodic loop({"draining", Millis{1}}, clock, [&] {
    while (self->running()) {
      ++rounds;
      std::this_thread::sleep_for(1ms);
    }
  });
  self = &loop;
  loop.start();
  for (int i = 0; i < 3; ++i) {
    clock.advance(Millis{10'000});
    const int seen = rounds;
    ASSERT_TRUE(eventually([&] { return rounds >= seen + 2; }));
    EXPECT_EQ(stuck_loop_problem(Millis{1000}), std::nullopt) << "round " << i;
  }
  loop.stop();
  clock.advance(Millis{10'000});
  EXPECT_EQ(stuck_loop_problem(Millis{1000}), std::nullopt);
}

}  // namespace
}  // namespace piket::common
