#pragma once
// Validation of a POST /v1/incidents body against the partner contract
// (partner-api.md). Pure: no I/O, no clock, no exceptions for bad input —
// bad input is a common::ApiRefusal value naming the field.
//
// Decisions the contract leaves open, taken here:
// - Order. Fields are checked in the fixed order reference, kind, region,
//   reported_at, household, home_ban, persons, summary; the first error wins.
// - null. A member whose value is JSON null is treated exactly as if it were
//   absent (and is not stored): null on a required field is `missing_field`.
// - Lengths ("chars") are Unicode code points, not bytes: "é" is one char.
//   Boost.JSON has already refused invalid UTF-8 (400 invalid_json).
// - The `reference` alphabet is A-Z a-z 0-9 . _ : / - (no space), and
//   `household` uses the same alphabet, both 1–64 chars.
// - home_ban is required for home_ban and home_ban_extended. For the other
//   kinds it may be absent; if present it is validated by the same rules and
//   stored (a home_ban_lifted may name the ban it lifts). Unknown members of
//   home_ban are dropped.
// - Ban length "≤ 28 days": ends_at − starts_at ≤ 28 × 24 h. Because the
//   statutory four weeks are counted on the calendar, a ban that spans the end
//   of daylight saving time (starts +02:00, ends +01:00 on the same wall-clock
//   time 28 days later) lasts 28 days + 1 h in absolute time; it is accepted
//   when its wall-clock length, read in the partner's own offsets, is ≤ 28 days
//   and its absolute length is at most 1 h over.
// - persons: each entry is an object with a required `role`; all its other
//   members must be strings ≤ 200 chars and are all stored (they are the
//   person's data). A member name that is not plain snake_case
//   ([a-z][a-z0-9_]{0,31}) is never put in a field path, since it could itself
//   be person data: the path is then "persons[i]".
// - Duplicate keys: Boost.JSON keeps the last one.
// - Messages name the field and the rule, never the value.
//
// Codes (see api_error.hpp): 400 invalid_json, not_an_object; 422
// missing_field, wrong_type, invalid_identifier, unknown_kind, unknown_region,
// invalid_timestamp, ban_ends_before_start, ban_too_long, too_many_persons,
// unknown_role, too_long.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "piket/common/clock.hpp"
#include "piket/common/records.hpp"
#include "piket/ingest/api_error.hpp"

namespace piket::ingest {

inline constexpr std::size_t max_identifier_chars = 64;  // reference, household
inline constexpr std::size_t max_persons = 20;
inline constexpr std::size_t max_person_field_chars = 200;
inline constexpr std::size_t max_summary_chars = 4000;

struct HomeBan {
  common::Instant starts_at;
  common::Instant ends_at;
  // The partner's UTC offsets of the two times (the ban's 28 days are
  // counted on the wall clock across a DST change; ban_script.hpp).
  std::chrono::minutes starts_offset{0};
  std::chrono::minutes ends_offset{0};
};

// A request that passed every rule. The typed fields are what routing needs;
// `stored` is the incident as it will be stored.
struct IncidentRequest {
  std::string reference;
  common::IncidentKind kind = common::IncidentKind::home_ban;
  std::string region;
  common::Instant reported_at;
  std::string household;
  std::optional<HomeBan> home_ban;
  std::vector<common::PersonRole> person_roles;  // one per person, in request order
  // Exactly the known members that were present and not null: reference, kind,
  // region, reported_at, household, home_ban {starts_at, ends_at}, persons
  // (each person with all its non-null members), summary. Values as received (timestamps keep the
  // partner's text and offset). Unknown members are dropped.
  boost::json::object stored;
};

using RegionSet = std::set<std::string, std::less<>>;

// Parses a body: 400 `invalid_json` if it is not one JSON text in UTF-8 (Boost.JSON
// defaults: no comments, no trailing data, depth ≤ 32). Any JSON value is returned;
// the object check is validate_parsed_incident's.
std::variant<boost::json::value, common::ApiRefusal> parse_body(std::string_view body);

// Validates a parsed body: 400 `not_an_object`, or 422 naming the field. For a
// caller that also needs the value itself (canonical_json for idempotency).
// `unknown_region` (422) means the region is not configured at all; whether the
// token may post for a configured region (403) is the caller's check.
std::variant<IncidentRequest, common::ApiRefusal> validate_parsed_incident(
    const boost::json::value& body, const RegionSet& configured_regions);

// parse_body, then validate_parsed_incident. `body` is already known to be
// ≤ 64 KiB and application/json (the HTTP layer checks both).
std::variant<IncidentRequest, common::ApiRefusal> validate_incident(
    std::string_view body, const RegionSet& configured_regions);

// Number of Unicode code points in valid UTF-8 text.
std::size_t count_code_points(std::string_view utf8);

}  // namespace piket::ingest
