#include "piket/cases/staff_auth.hpp"

namespace piket::cases {

StaffAuth::StaffAuth(const std::vector<common::TokenHolder>& tokens,
                     const std::vector<rota::PersonConfig>& people)
    : auth_(tokens) {
  for (const auto& p : people)
    if (!p.token_sha256.empty()) by_person_.emplace(p.id, Actor{p.id, p.role, p.regions});
}

std::optional<Actor> StaffAuth::authenticate(std::string_view authorization) const {
  const auto caller = auth_.authenticate(authorization);
  // Partner and admin tokens are not staff, whatever their id.
  if (!caller || !caller->is_staff()) return std::nullopt;
  const auto it = by_person_.find(caller->id);
  if (it == by_person_.end()) return std::nullopt;
  return it->second;  // with the configured role (an admin-role person has no case access)
}

}  // namespace piket::cases
