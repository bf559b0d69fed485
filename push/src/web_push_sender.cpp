#include "piket/push/web_push_sender.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "piket/push/subscriptions.hpp"

namespace piket::push {
namespace {

// Retries taken from Redis at once; a full batch means more may be due.
constexpr std::size_t kRetryBatch = 32;

}  // namespace

WebPushSender::WebPushSender(Options options, const P256Key& vapid, PushClient& client,
                             const common::Clock& clock)
    : options_(std::move(options)), vapid_(vapid), client_(client), clock_(clock) {
  if (auto* m = options_.metrics) {
    const auto sends = [m](const char* outcome) {
      return &m->counter("piket_notify_webpush_sends_total",
                         "Web Push sends by outcome: sent (the push service took it), retry "
                         "(kept to be tried again), gone (the subscription was removed), failed "
                         "(refused, or out of tries)",
                         {{"outcome", outcome}});
    };
    sent_ = sends("sent");
    retried_ = sends("retry");
    gone_ = sends("gone");
    failed_ = sends("failed");
    dropped_ = &m->counter("piket_notify_webpush_dropped_total",
                           "Web Push messages not kept: the fresh queue or the retries were full");
  }
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
    if (fresh_.size() >= options_.max_pending) {
      ++counts_.dropped;
      if (dropped_) dropped_->Increment();
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

void WebPushSender::count(std::uint64_t WebPushCounts::*field, prometheus::Counter* counter) {
  {
    std::lock_guard lock(mutex_);
    ++(counts_.*field);
  }
  if (counter) counter->Increment();
}

// Waits for a fresh message or the time to ask Redis for retries; polls the
// transport clock every 50 ms (it may be simulated).
void WebPushSender::run() {
  std::unique_ptr<common::RedisConnection> redis;
  for (;;) {
    std::optional<std::pair<std::string, PushMessage>> fresh;
    {
      std::unique_lock lock(mutex_);
      for (;;) {
        if (stopping_) return;
        if (!fresh_.empty()) {
          fresh = std::move(fresh_.front());
          fresh_.pop_front();
          break;
        }
        if (clock_.now() >= next_retry_check_) break;
        wake_.wait_for(lock, std::chrono::milliseconds(50));
      }
    }
    try {
      if (!redis) redis = std::make_unique<common::RedisConnection>(options_.redis);
      if (!fresh) {
        take_retries(*redis);
        continue;
      }
      for (auto& s : Subscriptions(*redis).list(fresh->first))
        deliver({fresh->first, s.id, fresh->second, 1}, s, false, *redis);
    } catch (const std::exception& e) {
      // Redis away: a fresh message's subscriptions are not known and it is
      // not sent; retries wait in Redis for the next look.
      spdlog::warn("webpush: {}: {}", fresh ? "a message was not sent" : "retries not read",
                   e.what());
      redis.reset();
      if (!fresh) next_retry_check_ = clock_.now() + options_.retry_poll;
    }
  }
}

// The retries that are due, taken with a lease; a subscription removed
// meanwhile ends its retries.
void WebPushSender::take_retries(common::RedisConnection& redis) {
  const auto now = clock_.now();
  RetryStore store(redis);
  auto claimed = store.claim(now, kRetryBatch, now + options_.retry_lease);
  next_retry_check_ =
      claimed.jobs.size() == kRetryBatch
          ? now
          : std::min(claimed.next.value_or(common::Instant::max()), now + options_.retry_poll);
  for (auto& job : claimed.jobs) {
    if (auto to = Subscriptions(redis).find(job.person, job.subscription)) {
      deliver(std::move(job), *to, true, redis);
      continue;
    }
    store.done(job);
  }
}

// `kept`: the job is in Redis (a retry), forgotten there when it ends.
void WebPushSender::deliver(RetryJob job, const Subscription& to, bool kept,
                            common::RedisConnection& redis) {
  RetryStore store(redis);
  const auto request =
      build_push_request(to, job.message, {vapid_, options_.vapid_subject}, clock_.now());
  const auto answer = request ? client_.post(*request) : PushResponse{400, "unusable subscription"};
  // The log names the subscription by its id only: its endpoint is a capability.
  switch (classify_push_status(answer.status)) {
    case PushOutcome::accepted:
      if (kept) store.done(job);
      count(&WebPushCounts::accepted, sent_);
      return;
    case PushOutcome::gone:
      Subscriptions(redis).remove_gone(job.person, to);
      store.drop_subscription(job.person, to.id);
      spdlog::info("webpush: subscription {} is gone ({}); forgotten", to.id, answer.status);
      count(&WebPushCounts::gone, gone_);
      return;
    case PushOutcome::retry:
      if (job.attempt < options_.retry.max_attempts) {
        const auto due = clock_.now() + options_.retry.delay(job.attempt);
        ++job.attempt;
        if (store.put(job, due, options_.retry_limits)) {
          next_retry_check_ = std::min(next_retry_check_, due);
          count(&WebPushCounts::retried, retried_);
          return;
        }
        spdlog::warn("webpush: subscription {}: too many waiting; not tried again", to.id);
        count(&WebPushCounts::dropped, dropped_);
        return;
      }
      [[fallthrough]];
    case PushOutcome::rejected:
      if (kept) store.done(job);
      spdlog::warn("webpush: subscription {}: not delivered ({} {})", to.id, answer.status,
                   answer.error);
      count(&WebPushCounts::rejected, failed_);
      return;
  }
}

}  // namespace piket::push
