#pragma once
// The fields of a case API body (agreements, tracks): a JSON object whose
// members are all known, and its string and time fields — each refusal a
// common::ApiRefusal naming the field (422), nothing else decided here.

#include <algorithm>
#include <boost/json.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "piket/common/api_refusal.hpp"
#include "piket/common/clock.hpp"
#include "piket/common/time_format.hpp"

// `var` = the value of `expr` (a variant of a value and ApiRefusal), or the
// enclosing function returns the refusal: the parsers' early return.
#define PIKET_TAKE(var, expr)                                                    \
  auto var##_r = (expr);                                                         \
  if (auto* r_ = std::get_if<::piket::common::ApiRefusal>(&var##_r)) return *r_; \
  auto var = std::get<0>(std::move(var##_r))

namespace piket::cases {

inline common::ApiRefusal refuse(int status, std::string code, std::string message,
                                 std::string field = {}) {
  return common::ApiRefusal{status, std::move(code), std::move(message), std::move(field)};
}

// The body as a JSON object whose fields are all among `known` (`what` names
// the body in the refusal: "an agreement").
inline std::variant<boost::json::object, common::ApiRefusal> parse_object(
    std::string_view body, std::initializer_list<std::string_view> known, std::string_view what) {
  boost::json::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec) return refuse(400, "invalid_json", "the body is not JSON");
  if (!v.is_object()) return refuse(400, "not_an_object", "the body must be a JSON object");
  auto& o = v.as_object();
  for (const auto& [k, _] : o)
    if (std::find(known.begin(), known.end(), std::string_view(k)) == known.end())
      return refuse(422, "unknown_field", "this field is not part of " + std::string(what),
                    std::string(k).substr(0, 64));
  return std::move(o);
}

// A required string field.
inline std::variant<std::string, common::ApiRefusal> required_string(const boost::json::object& o,
                                                                     std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return refuse(422, "required", std::string(key) + " is required", std::string(key));
  if (!v->is_string())
    return refuse(422, "wrong_type", std::string(key) + " must be a string", std::string(key));
  return std::string(v->as_string());
}

// A required or optional string field.
inline std::variant<std::optional<std::string>, common::ApiRefusal> string_field(
    const boost::json::object& o, std::string_view key, bool required) {
  if (!required && !o.if_contains(key)) return std::optional<std::string>();
  PIKET_TAKE(text, required_string(o, key));
  return std::optional<std::string>(std::move(text));
}

// An optional RFC 3339 time field.
inline std::variant<std::optional<common::Instant>, common::ApiRefusal> time_field(
    const boost::json::object& o, std::string_view key) {
  PIKET_TAKE(text, string_field(o, key, false));
  if (!text) return std::optional<common::Instant>();
  const auto t = common::parse_rfc3339(*text);
  if (!t)
    return refuse(422, "invalid_timestamp", std::string(key) + " must be RFC 3339 with an offset",
                  std::string(key));
  return std::optional<common::Instant>(*t);
}

// An optional RFC 3339 time field that may not lie after `now`.
inline std::variant<std::optional<common::Instant>, common::ApiRefusal> past_time_field(
    const boost::json::object& o, std::string_view key, common::Instant now) {
  PIKET_TAKE(t, time_field(o, key));
  if (t && *t > now)
    return refuse(422, "in_the_future", std::string(key) + " lies in the future", std::string(key));
  return t;
}

}  // namespace piket::cases
