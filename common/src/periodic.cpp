#include "piket/common/periodic.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <set>

namespace piket::common {
namespace {

// The started loops of this process, for stuck_loop_problem(). A loop is in
// the set from start() to stop(); stop() takes it out under the same mutex.
std::mutex& loops_mutex() {
  static std::mutex m;
  return m;
}
std::set<const Periodic*>& started_loops() {
  static std::set<const Periodic*> loops;
  return loops;
}

// The loop whose step this thread runs, if any (running() counts only there).
thread_local const Periodic* t_current_loop = nullptr;

}  // namespace

Periodic::Periodic(PeriodicOptions options, const Clock& clock, Step step)
    : options_(std::move(options)),
      clock_(clock),
      step_(std::move(step)),
      failures_(clock, options_.log_every) {
  if (options_.after_failure.count() <= 0) options_.after_failure = options_.every;
}

Periodic::~Periodic() {
  stop();
}

void Periodic::start() {
  if (running_) return;
  // A loop stopped from its own step has not been joined yet.
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  if (running_.exchange(true)) return;
  {
    std::lock_guard lock(loops_mutex());
    started_loops().insert(this);
  }
  thread_ = std::thread([this] { run(); });
}

void Periodic::stop() {
  {
    std::lock_guard lock(loops_mutex());
    started_loops().erase(this);
  }
  {
    std::lock_guard lock(mutex_);
    running_ = false;
  }
  pause_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

bool Periodic::running() const {
  if (t_current_loop == this) progress_ms_ = to_epoch_ms(clock_.now());
  return running_;
}

void Periodic::run() {
  t_current_loop = this;
  while (running_) {
    auto pause = options_.every;
    next_pause_ms_ = -1;
    progress_ms_ = to_epoch_ms(clock_.now());
    try {
      step_();
      if (const auto next = next_pause_ms_.load(); next >= 0) pause = Millis{next};
    } catch (const std::exception& e) {
      if (failures_.allow())
        spdlog::log(options_.failure_level, "{}: {}; will retry", options_.name, e.what());
      pause = options_.after_failure;
    }
    progress_ms_ = kNoStep;
    std::unique_lock lock(mutex_);
    pausing_ = true;
    pause_.wait_for(lock, pause, [this] { return !running_ || woken_ || kept_; });
    pausing_ = woken_ = kept_ = false;
  }
}

bool Periodic::wake() {
  {
    std::lock_guard lock(mutex_);
    if (!pausing_ || woken_) return false;  // a step under way, or woken already
    woken_ = true;
  }
  pause_.notify_all();
  return true;
}

void Periodic::wake_kept() {
  {
    std::lock_guard lock(mutex_);
    if (pausing_)
      woken_ = true;
    else
      kept_ = true;
  }
  pause_.notify_all();
}

std::optional<std::string> stuck_loop_problem(Millis stuck_after) {
  std::lock_guard lock(loops_mutex());
  for (const Periodic* loop : started_loops()) {
    const auto since = loop->progress_ms_.load();
    if (since == Periodic::kNoStep) continue;
    const auto stuck_ms = to_epoch_ms(loop->clock_.now()) - since;
    if (stuck_ms > stuck_after.count())
      return "loop '" + loop->options_.name + "' stuck in one step for " +
             std::to_string(stuck_ms / 1000) + " s";
  }
  return std::nullopt;
}

}  // namespace piket::common
