#pragma once
// The error codes of the partner API. A refusal is a common::ApiRefusal
// (api_refusal.hpp), answered as the contract's error body (partner-api.md,
// "Answers"):
//   {"error": {"code": "snake_case_code", "message": "…", "field": "home_ban.ends_at"}}
// `field` appears only when one field is at fault.
//
// Privacy: a refusal is built by piket code only and its message names the
// field and the rule it breaks, never the offending value. Nothing here copies
// request data into an answer, so no answer can echo person data.

#include <string_view>

#include "piket/common/api_refusal.hpp"

namespace piket::ingest {

// The codes this service answers with. Request validation (validation.hpp)
// produces the 400 and 422 ones; the HTTP layer produces the rest.
namespace codes {
// 400
inline constexpr std::string_view invalid_json = "invalid_json";
inline constexpr std::string_view not_an_object = "not_an_object";
// 422 — each carries the field path
inline constexpr std::string_view missing_field = "missing_field";
inline constexpr std::string_view wrong_type = "wrong_type";
inline constexpr std::string_view invalid_identifier =
    "invalid_identifier";  // reference, household
inline constexpr std::string_view unknown_kind = "unknown_kind";
inline constexpr std::string_view unknown_region = "unknown_region";
inline constexpr std::string_view invalid_timestamp = "invalid_timestamp";
inline constexpr std::string_view ban_ends_before_start = "ban_ends_before_start";
inline constexpr std::string_view ban_too_long = "ban_too_long";
inline constexpr std::string_view too_many_persons = "too_many_persons";
inline constexpr std::string_view unknown_role = "unknown_role";
inline constexpr std::string_view too_long = "too_long";  // person field, summary
// 422 from the stored state of the case (the acceptance script; nothing stored)
inline constexpr std::string_view ban_total_too_long = "ban_total_too_long";  // home_ban.ends_at
inline constexpr std::string_view no_ban_in_force = "no_ban_in_force";        // kind
}  // namespace codes

}  // namespace piket::ingest
