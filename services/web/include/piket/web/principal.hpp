#pragma once
// Who is signed in: a person of the configuration with their role.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "piket/rota/directory.hpp"

namespace piket::web {

enum class Role { casemanager, team_lead, admin };
std::string_view to_string(Role r);
Role role_of(rota::StaffRole r);

struct Principal {
  std::string person;
  Role role = Role::casemanager;
  std::vector<std::string> regions;

  bool serves(std::string_view region) const;
};

// The principal for a configured person; nullopt if there is no such person.
std::optional<Principal> principal_for(const rota::Directory& config, std::string_view person);

}  // namespace piket::web
