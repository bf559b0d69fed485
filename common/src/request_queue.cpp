#include "piket/common/request_queue.hpp"

#include <algorithm>

namespace piket::common {

RequestQueue::RequestQueue(RequestQueueLimits limits, int threads) : limits_(limits) {
  for (int n = 0; n < std::max(1, threads); ++n) threads_.emplace_back([this] { work(); });
}

RequestQueue::~RequestQueue() {
  stop();
}

bool RequestQueue::too_old(Instant since) const {
  return limits_.clock && limits_.max_wait.count() > 0 &&
         limits_.clock->now() - since > limits_.max_wait;
}

RequestQueue::Admit RequestQueue::push(Job job) {
  std::lock_guard lock(mutex_);
  if (stopping_ || waiting_.size() >= std::max<std::size_t>(1, limits_.max_waiting))
    return Admit::full;
  if (!waiting_.empty() && too_old(waiting_.front().since)) return Admit::stale;
  waiting_.push_back({std::move(job), limits_.clock ? limits_.clock->now() : Instant{}});
  ready_.notify_one();
  return Admit::queued;
}

void RequestQueue::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ready_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
    if (stopping_) return;
    auto next = std::move(waiting_.front());
    waiting_.pop_front();
    const bool late = too_old(next.since);
    ++busy_;
    lock.unlock();
    next.job(late);
    next.job = nullptr;  // what it holds goes before the lock is taken again
    lock.lock();
    --busy_;
  }
}

void RequestQueue::stop() {
  std::deque<Waiting> dropped;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    dropped.swap(waiting_);
  }
  ready_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

RequestQueue::Load RequestQueue::load() const {
  std::lock_guard lock(mutex_);
  return {busy_, waiting_.size()};
}

}  // namespace piket::common
