#pragma once
// The kinds and states shared by every service. Records themselves live in
// Redis hashes; these enums are the vocabulary on both sides.

#include <optional>
#include <string_view>

namespace piket::common {

enum class IncidentKind {
  home_ban,
  home_ban_extended,
  home_ban_lifted,
  code_red,
  ban_violation,
  repeat_incident,
};

std::optional<IncidentKind> parse_incident_kind(std::string_view s);
std::string_view to_string(IncidentKind k);
// (How messages name a kind, in the recipient's language: paging::kind_label.)
// home_ban and home_ban_extended carry a home_ban object.
bool requires_home_ban(IncidentKind k);

// Status of an incident as the partner sees it (contract: GET /v1/incidents/{id}).
enum class IncidentStatus { accepted, dispatched, acknowledged, escalated };
std::optional<IncidentStatus> parse_incident_status(std::string_view s);
std::string_view to_string(IncidentStatus s);

enum class PersonRole { perpetrator, victim, child, other };
std::optional<PersonRole> parse_person_role(std::string_view s);

// Record ids: a letter, then upper-case letters and digits (the random part is
// Crockford base32, crypto.hpp). Incident I + 16, case C + 8, page P + 16.
bool is_incident_id(std::string_view s);
bool is_case_id(std::string_view s);
bool is_page_id(std::string_view s);

}  // namespace piket::common
