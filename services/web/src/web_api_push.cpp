// Web Push subscriptions (docs/web-push.md): the installed app asks for the
// deployment's VAPID public key, subscribes with its browser and hands the
// subscription over; a person lists and removes their own. Each person holds
// at most push::kMaxSubscriptionsPerPerson. The audit trail names a
// subscription by its id, never by its endpoint.
#include "piket/push/subscriptions.hpp"
#include "web_api_handlers.hpp"

namespace piket::web::api {
namespace {

std::optional<HttpResponse> check_enabled(WebContext& w, const Request& r) {
  if (!w.d.vapid_public_key.empty()) return std::nullopt;
  return refuse(w, r, 404, "push_off", "this deployment has no Web Push (no VAPID key)",
                r.who->person, "no VAPID key");
}

}  // namespace

HttpResponse push_key(WebContext& w, Request& r) {
  if (auto off = check_enabled(w, r)) return *off;
  return json_response(json::object{{"public_key", w.d.vapid_public_key}});
}

HttpResponse push_list(WebContext& w, Request& r) {
  const auto& who = r.who->person;
  json::array out;
  {
    auto lease = w.d.redis.lease();
    for (const auto& s : push::Subscriptions(*lease).list(who))
      out.push_back(json::object{{"id", s.id}, {"created_at", ms(s.created_at)}});
  }
  allowed(w, r, who, std::to_string(out.size()) + " push subscriptions");
  return json_response(
      json::object{{"subscriptions", out}, {"max", push::kMaxSubscriptionsPerPerson}});
}

HttpResponse push_subscribe(WebContext& w, Request& r) {
  if (auto off = check_enabled(w, r)) return *off;
  const auto& who = r.who->person;
  if (r.who->role == Role::admin)
    return refuse(w, r, 403, "forbidden", "admins are not paged", who, "admin");
  auto parsed = body_object(r);
  if (auto* answer = std::get_if<HttpResponse>(&parsed)) return *answer;
  const auto v = push::parse_subscription(
      std::get<json::object>(parsed), {w.d.config.push_allow_http_localhost}, w.d.real_clock.now());
  if (const auto* bad = std::get_if<push::FieldError>(&v))
    return refuse(w, r, 400, "invalid_" + bad->field, bad->message, who, bad->field);
  const auto& s = std::get<push::Subscription>(v);
  push::Subscriptions::Added added{};
  {
    auto lease = w.d.redis.lease();
    added = push::Subscriptions(*lease).add(who, s);
    if (added != push::Subscriptions::Added::full && !lease->wait_replicated())
      throw common::RedisNotReplicatedError("a push subscription of " + who +
                                            " is not yet on enough replicas");
  }
  if (added == push::Subscriptions::Added::full)
    return refuse(w, r, 409, "too_many_subscriptions",
                  "you have the most push subscriptions allowed; remove one first", who,
                  "at most " + std::to_string(push::kMaxSubscriptionsPerPerson));
  const bool renewed = added == push::Subscriptions::Added::renewed;
  allowed(w, r, who, "push subscription " + s.id + (renewed ? " renewed" : ""));
  return json_response(json::object{{"id", s.id}, {"created_at", ms(s.created_at)}},
                       renewed ? 200 : 201);
}

// Body {"id": …} or {"endpoint": …} (what the browser knows).
HttpResponse push_unsubscribe(WebContext& w, Request& r) {
  const auto& who = r.who->person;
  auto parsed = body_object(r);
  if (auto* answer = std::get_if<HttpResponse>(&parsed)) return *answer;
  const auto& o = std::get<json::object>(parsed);
  std::string id = text(o, "id");
  const std::string endpoint = text(o, "endpoint");
  if (id.empty() && !endpoint.empty() && endpoint.size() <= push::kMaxEndpointLength)
    id = push::subscription_id(endpoint);
  if (id.empty() || id.size() > 64)
    return refuse(w, r, 400, "invalid_id", "give the subscription's id or endpoint", who, "id");
  bool removed = false;
  {
    auto lease = w.d.redis.lease();
    removed = push::Subscriptions(*lease).remove(who, id);
    if (removed && !lease->wait_replicated())
      throw common::RedisNotReplicatedError("the removal of push subscription " + id +
                                            " is not yet on enough replicas");
  }
  if (!removed)
    return refuse(w, r, 404, "not_found", "no such push subscription", who,
                  "no such push subscription");
  allowed(w, r, who, "push subscription " + id + " removed");
  return json_response(json::object{{"removed", id}});
}

}  // namespace piket::web::api
