#pragma once
// The person roles of an incident's stored body, once each, in a fixed order
// ("perpetrator,victim,child,other"; '' none): kept on incident:{id} as `roles`
// when it is accepted, so that loading a case (the deadline engine, every poll)
// learns the family's tracks without decoding every incident body (issue 16).
// Roles only: no other field of a person.

#include <array>
#include <boost/json/object.hpp>
#include <string>
#include <string_view>

namespace piket::ingest {

inline std::string person_roles(const boost::json::object& stored) {
  static constexpr std::array<std::string_view, 4> kRoles{"perpetrator", "victim", "child",
                                                          "other"};
  std::array<bool, kRoles.size()> seen{};
  const auto* persons = stored.if_contains("persons");
  if (persons == nullptr || !persons->is_array()) return {};
  for (const auto& p : persons->as_array()) {
    const auto* o = p.if_object();
    const auto* role = o ? o->if_contains("role") : nullptr;
    if (role == nullptr || !role->is_string()) continue;
    for (std::size_t k = 0; k < kRoles.size(); ++k) seen[k] |= role->as_string() == kRoles[k];
  }
  std::string out;
  for (std::size_t k = 0; k < kRoles.size(); ++k)
    if (seen[k]) out += (out.empty() ? "" : ",") + std::string(kRoles[k]);
  return out;
}

}  // namespace piket::ingest
