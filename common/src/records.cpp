#include "piket/common/records.hpp"

#include <array>
#include <utility>

namespace piket::common {
namespace {
constexpr std::array<std::pair<IncidentKind, std::string_view>, 6> kKinds{{
    {IncidentKind::home_ban, "home_ban"},
    {IncidentKind::home_ban_extended, "home_ban_extended"},
    {IncidentKind::home_ban_lifted, "home_ban_lifted"},
    {IncidentKind::code_red, "code_red"},
    {IncidentKind::ban_violation, "ban_violation"},
    {IncidentKind::repeat_incident, "repeat_incident"},
}};
constexpr std::array<std::pair<IncidentStatus, std::string_view>, 4> kStatuses{{
    {IncidentStatus::accepted, "accepted"},
    {IncidentStatus::dispatched, "dispatched"},
    {IncidentStatus::acknowledged, "acknowledged"},
    {IncidentStatus::escalated, "escalated"},
}};
constexpr std::array<std::pair<PersonRole, std::string_view>, 4> kRoles{{
    {PersonRole::perpetrator, "perpetrator"},
    {PersonRole::victim, "victim"},
    {PersonRole::child, "child"},
    {PersonRole::other, "other"},
}};

template <typename E, std::size_t N>
std::optional<E> lookup(const std::array<std::pair<E, std::string_view>, N>& table,
                        std::string_view s) {
  for (const auto& [value, name] : table)
    if (name == s) return value;
  return std::nullopt;
}
template <typename E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E e) {
  for (const auto& [value, name] : table)
    if (value == e) return name;
  return "unknown";
}
}  // namespace

std::optional<IncidentKind> parse_incident_kind(std::string_view s) {
  return lookup(kKinds, s);
}
std::string_view to_string(IncidentKind k) {
  return name_of(kKinds, k);
}
std::optional<IncidentStatus> parse_incident_status(std::string_view s) {
  return lookup(kStatuses, s);
}
std::string_view to_string(IncidentStatus s) {
  return name_of(kStatuses, s);
}
std::optional<PersonRole> parse_person_role(std::string_view s) {
  return lookup(kRoles, s);
}

bool requires_home_ban(IncidentKind k) {
  return k == IncidentKind::home_ban || k == IncidentKind::home_ban_extended;
}

namespace {
bool is_record_id(std::string_view s, char letter, std::size_t digits) {
  if (s.size() != digits + 1 || s[0] != letter) return false;
  for (char c : s.substr(1))
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) return false;
  return true;
}
}  // namespace

bool is_incident_id(std::string_view s) {
  return is_record_id(s, 'I', 16);
}
bool is_case_id(std::string_view s) {
  return is_record_id(s, 'C', 8);
}
bool is_page_id(std::string_view s) {
  return is_record_id(s, 'P', 16);
}

}  // namespace piket::common
