#include "piket/push/web_push_sender.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "piket/push/subscriptions.hpp"

namespace piket::push {

WebPushSender::WebPushSender(Options options, const P256Key& vapid, PushClient& client,
                             const common::Clock& clock)
    : options_(std::move(options)), vapid_(vapid), client_(client), clock_(clock) {
  thread_ = std::thread([this] { run(); });
}

WebPushSender::~WebPushSender() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void WebPushSender::send(const std::string& person, PushMessage message) {
  {
    std::lock_guard lock(mutex_);
    if (fresh_.size() + retries_.size() >= options_.max_pending) {
      ++counts_.dropped;
      return;
    }
    fresh_.emplace_back(person, std::move(message));
  }
  wake_.notify_all();
}

WebPushCounts WebPushSender::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

// Waits for a fresh message or the earliest retry that is due; polls the
// transport clock every 50 ms (it may be simulated).
void WebPushSender::run() {
  std::unique_ptr<common::RedisConnection> redis;
  for (;;) {
    std::optional<std::pair<std::string, PushMessage>> fresh;
    std::optional<Job> retry;
    {
      std::unique_lock lock(mutex_);
      for (;;) {
        if (stopping_) return;
        if (!fresh_.empty()) {
          fresh = std::move(fresh_.front());
          fresh_.pop_front();
          break;
        }
        const auto now = clock_.now();
        const auto due = std::find_if(retries_.begin(), retries_.end(),
                                      [&](const Job& j) { return j.due <= now; });
        if (due != retries_.end()) {
          retry = std::move(*due);
          retries_.erase(due);
          break;
        }
        wake_.wait_for(lock, std::chrono::milliseconds(50));
      }
    }
    try {
      if (!redis) redis = std::make_unique<common::RedisConnection>(options_.redis);
      if (retry) {
        deliver(std::move(*retry), *redis);
        continue;
      }
      for (auto& s : Subscriptions(*redis).list(fresh->first))
        deliver({fresh->first, std::move(s), fresh->second, 1, {}}, *redis);
    } catch (const std::exception& e) {
      // Redis away: this message's subscriptions are not known; it is not sent.
      spdlog::warn("webpush: a message was not sent: {}", e.what());
      redis.reset();
    }
  }
}

void WebPushSender::deliver(Job job, common::RedisConnection& redis) {
  const auto request =
      build_push_request(job.to, job.message, {vapid_, options_.vapid_subject}, clock_.now());
  const auto answer = request ? client_.post(*request) : PushResponse{400, "unusable subscription"};
  const auto outcome = classify_push_status(answer.status);
  // The log names the subscription by its id only: its endpoint is a capability.
  switch (outcome) {
    case PushOutcome::accepted: {
      std::lock_guard lock(mutex_);
      ++counts_.accepted;
      return;
    }
    case PushOutcome::gone:
      Subscriptions(redis).remove_gone(job.person, job.to);
      spdlog::info("webpush: subscription {} is gone ({}); forgotten", job.to.id, answer.status);
      {
        std::lock_guard lock(mutex_);
        ++counts_.gone;
      }
      return;
    case PushOutcome::retry:
      if (job.attempt < options_.retry.max_attempts) {
        job.due = clock_.now() + options_.retry.delay(job.attempt);
        ++job.attempt;
        std::lock_guard lock(mutex_);
        ++counts_.retried;
        retries_.push_back(std::move(job));
        return;
      }
      [[fallthrough]];
    case PushOutcome::rejected:
      spdlog::warn("webpush: subscription {}: not delivered ({} {})", job.to.id, answer.status,
                   answer.error);
      {
        std::lock_guard lock(mutex_);
        ++counts_.rejected;
      }
      return;
  }
}

}  // namespace piket::push
