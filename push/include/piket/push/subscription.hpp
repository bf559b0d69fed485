#pragma once
// A Web Push subscription as a browser hands it over
// (PushSubscription.toJSON(): {"endpoint": …, "keys": {"p256dh": …, "auth": …}})
// and its validation: bounded sizes, an https endpoint (http only to this
// machine when the deployment allows it, for tests and the local demo), keys
// that are what RFC 8291 needs. Pure: no I/O.

#include <boost/json/fwd.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "piket/common/clock.hpp"
#include "piket/push/message_encryption.hpp"

namespace piket::push {

inline constexpr std::size_t kMaxEndpointLength = 1024;
inline constexpr std::size_t kMaxSubscriptionsPerPerson = 5;

struct Subscription {
  std::string id;        // hex of the endpoint's SHA-256, 16 characters: names it in lists
  std::string endpoint;  // the push service's URL for this browser; opens nothing of piket's
  std::string p256dh;    // base64url, as received
  std::string auth;      // base64url, as received
  common::Instant created_at{};

  SubscriptionKeys keys() const;  // raw bytes, for encrypt()
  std::string to_json() const;
  static std::optional<Subscription> from_json(std::string_view text);
};

struct SubscriptionRules {
  // http:// endpoints on 127.0.0.1, ::1 or localhost (tests, the local demo).
  bool allow_http_localhost = false;
};

// What is wrong with a subscription: the field ("endpoint", "keys.p256dh",
// "keys.auth") and why, for a 400 answer.
struct FieldError {
  std::string field;
  std::string message;
};

std::variant<Subscription, FieldError> parse_subscription(const boost::json::object& body,
                                                          const SubscriptionRules& rules,
                                                          common::Instant now);

// The id of the subscription with this endpoint.
std::string subscription_id(std::string_view endpoint);

}  // namespace piket::push
