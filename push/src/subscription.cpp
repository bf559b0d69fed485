#include "piket/push/subscription.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "piket/common/crypto.hpp"
#include "piket/push/base64url.hpp"

namespace piket::push {
namespace json = boost::json;

namespace {

const json::string* string_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? &v->as_string() : nullptr;
}

std::optional<FieldError> check_endpoint(std::string_view endpoint,
                                         const SubscriptionRules& rules) {
  const auto bad = [](std::string m) { return FieldError{"endpoint", std::move(m)}; };
  if (endpoint.empty()) return bad("endpoint is missing");
  if (endpoint.size() > kMaxEndpointLength)
    return bad("endpoint is longer than " + std::to_string(kMaxEndpointLength) + " characters");
  const auto url = boost::urls::parse_absolute_uri(endpoint);
  if (!url || !url->has_authority() || url->host().empty() || url->has_userinfo() ||
      url->has_fragment())
    return bad("endpoint is not an absolute URL with a host");
  if (url->scheme() == "https") return std::nullopt;
  const auto host = url->host();
  const bool local = host == "127.0.0.1" || host == "localhost" || host == "::1";
  if (url->scheme() == "http" && rules.allow_http_localhost && local) return std::nullopt;
  return bad("endpoint must be an https URL");
}

}  // namespace

std::string subscription_id(std::string_view endpoint) {
  return common::sha256_hex(endpoint).substr(0, 16);
}

SubscriptionKeys Subscription::keys() const {
  return {base64url_decode(p256dh).value_or(""), base64url_decode(auth).value_or("")};
}

std::string Subscription::to_json() const {
  return json::serialize(json::object{{"endpoint", endpoint},
                                      {"p256dh", p256dh},
                                      {"auth", auth},
                                      {"created_at", common::to_epoch_ms(created_at)}});
}

std::optional<Subscription> Subscription::from_json(std::string_view text) {
  boost::system::error_code ec;
  const auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  const auto* endpoint = string_at(o, "endpoint");
  const auto* p256dh = string_at(o, "p256dh");
  const auto* auth = string_at(o, "auth");
  const auto* created = o.if_contains("created_at");
  if (!endpoint || !p256dh || !auth || !created || !created->is_int64()) return std::nullopt;
  return Subscription{subscription_id(*endpoint), std::string(*endpoint), std::string(*p256dh),
                      std::string(*auth), common::from_epoch_ms(created->as_int64())};
}

std::variant<Subscription, FieldError> parse_subscription(const json::object& body,
                                                          const SubscriptionRules& rules,
                                                          common::Instant now) {
  const auto* endpoint = string_at(body, "endpoint");
  if (!endpoint) return FieldError{"endpoint", "endpoint is missing"};
  if (auto e = check_endpoint(*endpoint, rules)) return *e;
  const auto* keys_v = body.if_contains("keys");
  if (!keys_v || !keys_v->is_object()) return FieldError{"keys", "keys is missing"};
  const auto& keys = keys_v->as_object();
  const auto* p256dh = string_at(keys, "p256dh");
  if (!p256dh || p256dh->size() > 128) return FieldError{"keys.p256dh", "keys.p256dh is missing"};
  const auto point = base64url_decode(*p256dh);
  if (!point || !P256Key::from_public(*point))
    return FieldError{"keys.p256dh", "keys.p256dh is not a P-256 public key in base64url"};
  const auto* auth = string_at(keys, "auth");
  if (!auth || auth->size() > 64) return FieldError{"keys.auth", "keys.auth is missing"};
  const auto secret = base64url_decode(*auth);
  if (!secret || secret->size() != kAuthSecretSize)
    return FieldError{"keys.auth", "keys.auth is not 16 bytes in base64url"};
  return Subscription{subscription_id(*endpoint), std::string(*endpoint), std::string(*p256dh),
                      std::string(*auth), now};
}

}  // namespace piket::push
