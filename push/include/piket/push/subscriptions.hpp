#pragma once
// The people's Web Push subscriptions in Redis (webpush:subs:{person},
// store/webpush.hpp): registered and removed in the web app, read by notify
// for each send, removed by notify when the push service says one is gone.

#include <optional>
#include <string>
#include <vector>

#include "piket/common/redis.hpp"
#include "piket/push/subscription.hpp"

namespace piket::push {

class Subscriptions {
 public:
  explicit Subscriptions(common::RedisConnection& redis) : redis_(redis) {}

  enum class Added { added, renewed, full };
  // The same endpoint again renews it (its keys replaced); a new one beyond
  // kMaxSubscriptionsPerPerson is refused and changes nothing.
  Added add(const std::string& person, const Subscription& s);
  // Oldest first. A stored value that does not parse is left out.
  std::vector<Subscription> list(const std::string& person);
  // The person's subscription with that id, if it is there and parses.
  std::optional<Subscription> find(const std::string& person, const std::string& id);
  // False when the person has no subscription with that id.
  bool remove(const std::string& person, const std::string& id);
  // The push service answered 404/410 for `s`: removed unless renewed since.
  bool remove_gone(const std::string& person, const Subscription& s);

 private:
  common::RedisConnection& redis_;
};

}  // namespace piket::push
