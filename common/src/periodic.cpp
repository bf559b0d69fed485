#include "piket/common/periodic.hpp"

#include <spdlog/spdlog.h>

#include <exception>

namespace piket::common {

Periodic::Periodic(PeriodicOptions options, const Clock& clock, Step step)
    : options_(std::move(options)), step_(std::move(step)), failures_(clock, options_.log_every) {
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
  thread_ = std::thread([this] { run(); });
}

void Periodic::stop() {
  {
    std::lock_guard lock(mutex_);
    running_ = false;
  }
  pause_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void Periodic::run() {
  while (running_) {
    auto pause = options_.every;
    next_pause_ms_ = -1;
    try {
      step_();
      if (const auto next = next_pause_ms_.load(); next >= 0) pause = Millis{next};
    } catch (const std::exception& e) {
      if (failures_.allow())
        spdlog::log(options_.failure_level, "{}: {}; will retry", options_.name, e.what());
      pause = options_.after_failure;
    }
    std::unique_lock lock(mutex_);
    pausing_ = true;
    pause_.wait_for(lock, pause, [this] { return !running_ || woken_ || kept_; });
    pausing_ = woken_ = kept_ = false;
  }
}

bool Periodic::wake() {
  {
    std::lock_guard lock(mutex_);
    if (!pausing_) return false;
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

}  // namespace piket::common
