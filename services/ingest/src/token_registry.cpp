#include "piket/ingest/token_registry.hpp"

#include "piket/common/crypto.hpp"

namespace piket::ingest {

TokenRegistry::TokenRegistry(const common::Config& config) {
  for (const auto& p : config.partners) {
    Principal pr{Principal::Kind::partner, p.id, {p.regions.begin(), p.regions.end()}};
    by_hash_.emplace(p.token_sha256, std::move(pr));
  }
  for (const auto& a : config.admins)
    by_hash_.emplace(a.token_sha256, Principal{Principal::Kind::admin, a.id, {}});
}

std::optional<Principal> TokenRegistry::authenticate(std::string_view authorization) const {
  constexpr std::string_view scheme = "Bearer ";
  if (authorization.size() <= scheme.size() || authorization.size() > 512) return std::nullopt;
  // The scheme name is case-insensitive (RFC 7235).
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
        std::tolower(static_cast<unsigned char>(scheme[i])))
      return std::nullopt;
  auto token = authorization.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  // Lookup by hash: the hash of an unknown token reveals nothing about known ones.
  const auto it = by_hash_.find(common::sha256_hex(token));
  if (it == by_hash_.end()) return std::nullopt;
  return it->second;
}

}  // namespace piket::ingest
