#include "piket/cases/staff.hpp"

#include <algorithm>

namespace piket::cases {

bool StaffDirectory::serves(const rota::PersonConfig& p, std::string_view region) const {
  return std::find(p.regions.begin(), p.regions.end(), region) != p.regions.end();
}

std::optional<std::string> StaffDirectory::team_lead(std::string_view region) const {
  const rota::PersonConfig* best = nullptr;
  for (const auto& p : directory_.people)
    if (p.role == rota::StaffRole::team_lead && serves(p, region) && (!best || p.id < best->id))
      best = &p;
  if (!best) return std::nullopt;
  return best->id;
}

bool StaffDirectory::is_casemanager_in(std::string_view person, std::string_view region) const {
  const auto* p = directory_.person(person);
  return p && p->role == rota::StaffRole::casemanager && serves(*p, region);
}

}  // namespace piket::cases
