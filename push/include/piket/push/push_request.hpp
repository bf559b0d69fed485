#pragma once
// One Web Push request (RFC 8030 section 5) to a subscription's endpoint:
// the payload encrypted for the subscription (RFC 8291), signed with the
// deployment's VAPID key (RFC 8292), with TTL and Urgency. And what the push
// service's answer means. Pure: no I/O.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "piket/common/clock.hpp"
#include "piket/push/p256_key.hpp"
#include "piket/push/subscription.hpp"

namespace piket::push {

struct PushMessage {
  std::string payload;  // never person data: {"kind":"page","id":…} at most
  std::chrono::seconds ttl{3600};
  bool urgent = false;  // Urgency: high (pages that ask for an answer), else normal
};

// The message for a new page: its id alone, {"kind":"page","id":"P…"} (no
// person data: the app fetches the page after sign-in). A page that asks for
// an answer is urgent (Urgency: high) and kept by the push service for an
// hour; information for a day.
PushMessage page_message(std::string_view page_id, bool asks_for_answer);

// The deployment's identity towards push services.
struct VapidIdentity {
  const P256Key& key;
  std::string subject;  // "mailto:…" or "https://…"
};

struct PushRequest {
  std::string endpoint;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Empty optional when the subscription's keys or endpoint are unusable (a
// stored value damaged; validated when registered).
std::optional<PushRequest> build_push_request(const Subscription& to, const PushMessage& message,
                                              const VapidIdentity& vapid, common::Instant now);

// What a push service's answer means for the subscription and the message.
enum class PushOutcome {
  accepted,  // 201 (any 2xx): the push service has it
  gone,      // 404, 410: the subscription has expired or was removed; forget it
  retry,     // 429, 5xx, no answer: try again later
  rejected,  // any other 4xx (bad VAPID, too large): trying again will not help
};
PushOutcome classify_push_status(int status);

}  // namespace piket::push
