#pragma once
// Web Push to a person's subscriptions (docs/web-push.md): one request per
// subscription, made on the sender's own thread so that a slow push service
// never holds a notify worker. A subscription the push service says is gone
// (404, 410) is forgotten; 429, 5xx and no answer are tried again after
// `retry.delay(attempt)` up to `retry.max_attempts` (notify's retry rules);
// any other answer ends the message for that subscription. A message to be
// tried again is kept in Redis (push::RetryStore: bounded per subscription
// and in all), so a restart of notify keeps it: the sender takes due retries
// with a lease, its own and those a sender before it left. A fresh message
// waits in memory until its first try (bounded; lost with the process: the
// page's other channels and the open app's stream do not depend on it).
// Each outcome is counted on notify's /metrics when a registry is given:
// piket_notify_webpush_sends_total{outcome="sent|retry|gone|failed"} and
// piket_notify_webpush_dropped_total.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "piket/common/clock.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/push/push_client.hpp"
#include "piket/push/push_request.hpp"
#include "piket/push/retry_store.hpp"

namespace piket::push {

struct WebPushRetry {
  int max_attempts = 5;
  std::function<common::Millis(int attempt)> delay = [](int) { return common::Millis{1000}; };
};

struct WebPushCounts {
  std::uint64_t accepted = 0, gone = 0, retried = 0, rejected = 0, dropped = 0;
};

class WebPushSender {
 public:
  struct Options {
    common::RedisConfig redis;  // the sender's own connection (notify's Redis user)
    std::string vapid_subject;  // mailto: or https: contact for push services
    WebPushRetry retry{};
    std::size_t max_pending = 1000;     // fresh messages in memory; beyond: dropped (counted)
    RetryStore::Limits retry_limits{};  // retries in Redis; beyond: dropped (counted)
    // How long a taken retry is the sender's (longer than a request's timeout).
    common::Millis retry_lease{30'000};
    // How often Redis is asked for retries when none is known to be due soon
    // (those of a sender before this one, or of one that died mid-send).
    common::Millis retry_poll{5'000};
    common::Metrics* metrics = nullptr;  // the service's registry, or none
  };
  // `vapid`, `client`, `clock` (transport time: retries, token expiry) and
  // the metrics registry outlive the sender.
  WebPushSender(Options options, const P256Key& vapid, PushClient& client,
                const common::Clock& clock);
  ~WebPushSender();  // stops
  WebPushSender(const WebPushSender&) = delete;
  WebPushSender& operator=(const WebPushSender&) = delete;

  // Queues `message` for every subscription `person` has now. Returns at once.
  void send(const std::string& person, PushMessage message);
  WebPushCounts counts() const;

 private:
  void run();
  void take_retries(common::RedisConnection& redis);
  void deliver(RetryJob job, const Subscription& to, bool kept, common::RedisConnection& redis);
  void count(std::uint64_t WebPushCounts::*field, prometheus::Counter* counter);

  Options options_;
  const P256Key& vapid_;
  PushClient& client_;
  const common::Clock& clock_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<std::string, PushMessage>> fresh_;  // person, message
  common::Instant next_retry_check_{};                     // the sender's thread only
  WebPushCounts counts_;
  prometheus::Counter* sent_ = nullptr;
  prometheus::Counter* retried_ = nullptr;
  prometheus::Counter* gone_ = nullptr;
  prometheus::Counter* failed_ = nullptr;
  prometheus::Counter* dropped_ = nullptr;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace piket::push
