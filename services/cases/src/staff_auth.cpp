#include "piket/cases/staff_auth.hpp"

#include <cctype>

#include "piket/common/crypto.hpp"

namespace piket::cases {

StaffAuth::StaffAuth(const common::Config& config) {
  for (const auto& p : config.people)
    if (!p.token_sha256.empty()) by_hash_.emplace(p.token_sha256, Actor{p.id, p.role, p.regions});
}

std::optional<Actor> StaffAuth::authenticate(std::string_view authorization) const {
  constexpr std::string_view scheme = "bearer ";
  if (authorization.size() <= scheme.size() || authorization.size() > 512) return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i])
      return std::nullopt;
  auto token = authorization.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  const auto it = by_hash_.find(common::sha256_hex(token));
  if (it == by_hash_.end()) return std::nullopt;
  return it->second;
}

}  // namespace piket::cases
