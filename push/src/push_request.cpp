#include "piket/push/push_request.hpp"

#include "piket/push/vapid.hpp"

namespace piket::push {

std::optional<PushRequest> build_push_request(const Subscription& to, const PushMessage& message,
                                              const VapidIdentity& vapid, common::Instant now) {
  const auto origin = endpoint_origin(to.endpoint);
  if (!origin) return std::nullopt;
  const auto body = encrypt(message.payload, to.keys());
  if (!body) return std::nullopt;
  return PushRequest{
      to.endpoint,
      {{"TTL", std::to_string(message.ttl.count())},
       {"Urgency", message.urgent ? "high" : "normal"},
       {"Content-Encoding", "aes128gcm"},
       {"Content-Type", "application/octet-stream"},
       {"Authorization", vapid_authorization(vapid.key, *origin, vapid.subject, now)}},
      *body};
}

PushMessage page_message(std::string_view page_id, bool asks_for_answer) {
  return {R"({"kind":"page","id":")" + std::string(page_id) + R"("})",
          std::chrono::seconds{asks_for_answer ? 3600 : 24 * 3600}, asks_for_answer};
}

PushOutcome classify_push_status(int status) {
  if (status >= 200 && status < 300) return PushOutcome::accepted;
  if (status == 404 || status == 410) return PushOutcome::gone;
  if (status == 0 || status == 429 || status >= 500) return PushOutcome::retry;
  return PushOutcome::rejected;
}

}  // namespace piket::push
