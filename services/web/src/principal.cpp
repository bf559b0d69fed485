#include "piket/web/principal.hpp"

#include <algorithm>

namespace piket::web {

std::string_view to_string(Role r) {
  switch (r) {
    case Role::casemanager:
      return "casemanager";
    case Role::team_lead:
      return "team_lead";
    case Role::admin:
      return "admin";
  }
  return "unknown";
}

Role role_of(rota::StaffRole r) {
  switch (r) {
    case rota::StaffRole::casemanager:
      return Role::casemanager;
    case rota::StaffRole::team_lead:
      return Role::team_lead;
    case rota::StaffRole::admin:
      return Role::admin;
  }
  return Role::casemanager;
}

bool Principal::serves(std::string_view region) const {
  return std::find(regions.begin(), regions.end(), region) != regions.end();
}

std::optional<Principal> principal_for(const rota::Directory& config, std::string_view person) {
  const auto* p = config.person(person);
  if (!p) return std::nullopt;
  return Principal{p->id, role_of(p->role), p->regions};
}

}  // namespace piket::web
