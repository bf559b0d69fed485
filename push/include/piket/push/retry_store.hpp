#pragma once
// The Web Push messages waiting to be tried again, kept in Redis
// (webpush:retry:*, store/webpush.hpp) so that a restart of notify does not
// lose them: bounded per subscription and in all, taken by a sender with a
// lease when due, forgotten when sent, refused, out of tries or when their
// subscription is gone. Scripts: store/lua/notify/notify_webpush_retry_*.lua,
// and the outboxes' lease (store/lua/common/outbox_claim_due.lua) to take them.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "piket/common/clock.hpp"
#include "piket/common/redis.hpp"
#include "piket/push/push_request.hpp"

namespace piket::push {

inline constexpr std::size_t kMaxRetriesPerSubscription = 20;

// One message for one subscription, to be tried again. No person data: the
// person is a staff id, the payload the page id alone (push_request.hpp).
struct RetryJob {
  std::string person;
  std::string subscription;  // its id (Subscription::id)
  PushMessage message;
  int attempt = 1;  // the tries made so far

  // The same message for the same subscription is the same job.
  std::string id() const;
  std::string to_json() const;
  static std::optional<RetryJob> from_json(std::string_view text);
};

class RetryStore {
 public:
  explicit RetryStore(common::RedisConnection& redis) : redis_(redis) {}

  struct Limits {
    std::size_t per_subscription = kMaxRetriesPerSubscription;
    std::size_t total = 1000;
  };
  // Keeps `job` until `due` (or moves it there). False when a limit is
  // reached: nothing is written.
  bool put(const RetryJob& job, common::Instant due, const Limits& limits);

  struct Claimed {
    std::vector<RetryJob> jobs;           // their times moved to the lease's end
    std::optional<common::Instant> next;  // the earliest job still waiting
  };
  // Up to `most` jobs due at `now`; each is leased until `lease_until` (a
  // sender that dies mid-send leaves it to be taken again then). A stored
  // value that does not parse is forgotten.
  Claimed claim(common::Instant now, std::size_t most, common::Instant lease_until);

  // Forgets one job.
  void done(const RetryJob& job);
  // Forgets every job of a subscription (the push service said it is gone).
  void drop_subscription(const std::string& person, const std::string& subscription);

 private:
  common::RedisConnection& redis_;
};

}  // namespace piket::push
