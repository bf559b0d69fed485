#include "piket/ingest/validation.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <utility>

#include "piket/common/time_format.hpp"

namespace piket::ingest {
namespace {

namespace json = boost::json;
using std::chrono::hours;
using std::chrono::minutes;

constexpr auto max_ban_length = std::chrono::days{28};
// A ban spanning the end of daylight saving time may last this much longer in
// absolute time, provided its wall-clock length is within max_ban_length.
constexpr auto max_ban_dst_slack = hours{1};

using Check = std::optional<common::ApiRefusal>;

common::ApiRefusal unprocessable(std::string_view code, std::string field, std::string message) {
  return common::ApiRefusal{422, std::string(code), std::move(message), std::move(field)};
}

Check missing(const std::string& field) {
  return unprocessable(codes::missing_field, field, field + " is required");
}

Check wrong_type(const std::string& field, std::string_view expected) {
  return unprocessable(codes::wrong_type, field, field + " must be " + std::string(expected));
}

// The member `key` of `o`, or nullptr if it is absent or null (null = absent).
const json::value* member(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && !v->is_null() ? v : nullptr;
}

std::string_view view(const json::string& s) {
  return {s.data(), s.size()};
}

bool is_identifier_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '/' || c == '-';
}

bool is_identifier(std::string_view s) {
  return !s.empty() && s.size() <= max_identifier_chars &&
         std::all_of(s.begin(), s.end(), is_identifier_char);
}

// A member name that may appear in a field path: a plain snake_case field name
// ([a-z][a-z0-9_]{0,31}), not something that could be a name or a phone number.
bool is_path_safe_name(std::string_view s) {
  if (s.empty() || s.size() > 32 || s[0] < 'a' || s[0] > 'z') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Fetches required string member `key`; `path` names it in errors.
Check required_string(const json::object& o, std::string_view key, const std::string& path,
                      const json::string*& out) {
  const json::value* v = member(o, key);
  if (v == nullptr) return missing(path);
  out = v->if_string();
  if (out == nullptr) return wrong_type(path, "a string");
  return std::nullopt;
}

Check identifier(const json::object& o, std::string_view key, std::string& out,
                 json::object& stored) {
  const std::string path(key);
  const json::string* s = nullptr;
  if (auto e = required_string(o, key, path, s)) return e;
  if (!is_identifier(view(*s)))
    return unprocessable(codes::invalid_identifier, path,
                         path + " must be 1-64 characters of A-Z a-z 0-9 . _ : / -");
  out.assign(s->data(), s->size());
  stored[key] = *s;
  return std::nullopt;
}

// The UTC offset at the end of a text that parse_rfc3339 accepted: "Z" or "±hh:mm".
minutes offset_of(std::string_view rfc3339) {
  const char last = rfc3339.back();
  if (last == 'Z' || last == 'z') return minutes{0};
  const std::string_view tail = rfc3339.substr(rfc3339.size() - 6);
  const int h = (tail[1] - '0') * 10 + (tail[2] - '0');
  const int m = (tail[4] - '0') * 10 + (tail[5] - '0');
  return minutes{(tail[0] == '-' ? -1 : 1) * (h * 60 + m)};
}

struct Timestamp {
  common::Instant instant;
  minutes offset{0};
};

Check timestamp(const json::object& o, std::string_view key, const std::string& path,
                Timestamp& out, json::object& stored) {
  const json::string* s = nullptr;
  if (auto e = required_string(o, key, path, s)) return e;
  const auto parsed = common::parse_rfc3339(view(*s));
  if (!parsed)
    return unprocessable(codes::invalid_timestamp, path,
                         path +
                             " must be an RFC 3339 date-time with offset, such as "
                             "2026-11-22T14:03:00+01:00");
  out = Timestamp{*parsed, offset_of(view(*s))};
  stored[key] = *s;
  return std::nullopt;
}

bool ban_length_ok(const Timestamp& start, const Timestamp& end) {
  const auto absolute = end.instant - start.instant;
  if (absolute <= max_ban_length) return true;
  const auto wall_clock = (end.instant + end.offset) - (start.instant + start.offset);
  return wall_clock <= max_ban_length && absolute <= max_ban_length + max_ban_dst_slack;
}

Check check_reference(const json::object& o, IncidentRequest& r) {
  return identifier(o, "reference", r.reference, r.stored);
}

Check check_kind(const json::object& o, IncidentRequest& r) {
  const json::string* s = nullptr;
  if (auto e = required_string(o, "kind", "kind", s)) return e;
  const auto kind = common::parse_incident_kind(view(*s));
  if (!kind)
    return unprocessable(codes::unknown_kind, "kind",
                         "kind must be one of home_ban, home_ban_extended, home_ban_lifted, "
                         "code_red, ban_violation, repeat_incident");
  r.kind = *kind;
  r.stored["kind"] = *s;
  return std::nullopt;
}

Check check_region(const json::object& o, const RegionSet& configured, IncidentRequest& r) {
  const json::string* s = nullptr;
  if (auto e = required_string(o, "region", "region", s)) return e;
  if (!configured.contains(view(*s)))
    return unprocessable(codes::unknown_region, "region", "region is not a configured region");
  r.region.assign(s->data(), s->size());
  r.stored["region"] = *s;
  return std::nullopt;
}

Check check_reported_at(const json::object& o, IncidentRequest& r) {
  Timestamp t;
  if (auto e = timestamp(o, "reported_at", "reported_at", t, r.stored)) return e;
  r.reported_at = t.instant;
  return std::nullopt;
}

Check check_household(const json::object& o, IncidentRequest& r) {
  return identifier(o, "household", r.household, r.stored);
}

Check check_home_ban(const json::object& o, IncidentRequest& r) {
  const json::value* v = member(o, "home_ban");
  if (v == nullptr) {
    if (common::requires_home_ban(r.kind))
      return unprocessable(codes::missing_field, "home_ban",
                           "home_ban is required for kind " + std::string(to_string(r.kind)));
    return std::nullopt;
  }
  const json::object* ban = v->if_object();
  if (ban == nullptr) return wrong_type("home_ban", "an object");
  json::object stored;
  Timestamp start, end;
  if (auto e = timestamp(*ban, "starts_at", "home_ban.starts_at", start, stored)) return e;
  if (auto e = timestamp(*ban, "ends_at", "home_ban.ends_at", end, stored)) return e;
  if (start.instant >= end.instant)
    return unprocessable(codes::ban_ends_before_start, "home_ban.ends_at",
                         "home_ban.ends_at must be after home_ban.starts_at");
  if (!ban_length_ok(start, end))
    return unprocessable(codes::ban_too_long, "home_ban.ends_at",
                         "the home ban must not last more than 28 days");
  r.home_ban = HomeBan{start.instant, end.instant, start.offset, end.offset};
  r.stored["home_ban"] = std::move(stored);
  return std::nullopt;
}

Check check_person(const json::value& v, const std::string& path, IncidentRequest& r,
                   json::array& stored_persons) {
  const json::object* person = v.if_object();
  if (person == nullptr) return wrong_type(path, "an object");
  const json::string* role_text = nullptr;
  if (auto e = required_string(*person, "role", path + ".role", role_text)) return e;
  const auto role = common::parse_person_role(view(*role_text));
  if (!role)
    return unprocessable(codes::unknown_role, path + ".role",
                         path + ".role must be one of perpetrator, victim, child, other");
  json::object stored;
  for (const auto& m : *person) {
    if (m.value().is_null()) continue;
    const std::string_view name(m.key().data(), m.key().size());
    if (name == "role") {
      stored["role"] = m.value();
      continue;
    }
    const std::string field_path = is_path_safe_name(name) ? path + "." + std::string(name) : path;
    const std::string what = is_path_safe_name(name) ? field_path : "every field of " + path;
    const json::string* s = m.value().if_string();
    if (s == nullptr)
      return unprocessable(codes::wrong_type, field_path, what + " must be a string");
    if (count_code_points(view(*s)) > max_person_field_chars)
      return unprocessable(codes::too_long, field_path, what + " must be at most 200 characters");
    stored[m.key()] = *s;
  }
  r.person_roles.push_back(*role);
  stored_persons.push_back(std::move(stored));
  return std::nullopt;
}

Check check_persons(const json::object& o, IncidentRequest& r) {
  const json::value* v = member(o, "persons");
  if (v == nullptr) return std::nullopt;
  const json::array* persons = v->if_array();
  if (persons == nullptr) return wrong_type("persons", "an array");
  if (persons->size() > max_persons)
    return unprocessable(codes::too_many_persons, "persons",
                         "persons must have at most 20 entries");
  json::array stored;
  for (std::size_t i = 0; i < persons->size(); ++i) {
    if (auto e = check_person((*persons)[i], "persons[" + std::to_string(i) + "]", r, stored))
      return e;
  }
  r.stored["persons"] = std::move(stored);
  return std::nullopt;
}

Check check_summary(const json::object& o, IncidentRequest& r) {
  const json::value* v = member(o, "summary");
  if (v == nullptr) return std::nullopt;
  const json::string* s = v->if_string();
  if (s == nullptr) return wrong_type("summary", "a string");
  if (count_code_points(view(*s)) > max_summary_chars)
    return unprocessable(codes::too_long, "summary", "summary must be at most 4000 characters");
  r.stored["summary"] = *s;
  return std::nullopt;
}

}  // namespace

std::size_t count_code_points(std::string_view utf8) {
  // Every code point has exactly one byte that is not a continuation byte (10xxxxxx).
  return static_cast<std::size_t>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
  }));
}

std::variant<json::value, common::ApiRefusal> parse_body(std::string_view body) {
  json::error_code ec;
  json::value v = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec)
    return common::ApiRefusal{
        400, std::string(codes::invalid_json), "the body is not valid JSON", {}};
  return v;
}

std::variant<IncidentRequest, common::ApiRefusal> validate_parsed_incident(
    const json::value& body, const RegionSet& configured) {
  const json::object* o = body.if_object();
  if (o == nullptr)
    return common::ApiRefusal{
        400, std::string(codes::not_an_object), "the body must be a JSON object", {}};
  IncidentRequest r;
  Check error = check_reference(*o, r);
  if (!error) error = check_kind(*o, r);
  if (!error) error = check_region(*o, configured, r);
  if (!error) error = check_reported_at(*o, r);
  if (!error) error = check_household(*o, r);
  if (!error) error = check_home_ban(*o, r);
  if (!error) error = check_persons(*o, r);
  if (!error) error = check_summary(*o, r);
  if (error) return std::move(*error);
  return r;
}

std::variant<IncidentRequest, common::ApiRefusal> validate_incident(std::string_view body,
                                                                    const RegionSet& configured) {
  auto parsed = parse_body(body);
  if (auto* error = std::get_if<common::ApiRefusal>(&parsed)) return std::move(*error);
  return validate_parsed_incident(std::get<json::value>(parsed), configured);
}

}  // namespace piket::ingest
