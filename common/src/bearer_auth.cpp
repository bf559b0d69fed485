#include "piket/common/bearer_auth.hpp"

#include <cctype>

#include "piket/common/crypto.hpp"

namespace piket::common {

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  constexpr std::string_view scheme = "bearer ";
  if (authorization.size() <= scheme.size() || authorization.size() > 512) return std::nullopt;
  // The scheme name is case-insensitive (RFC 7235).
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i])
      return std::nullopt;
  auto token = authorization.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

BearerAuth::BearerAuth(const std::vector<TokenHolder>& tokens) {
  for (const auto& t : tokens) by_hash_.emplace(t.token_sha256, t.caller);
}

std::optional<Caller> BearerAuth::authenticate(std::string_view authorization) const {
  auto token = bearer_token(authorization);
  if (!token) return std::nullopt;
  return authenticate_token(*token);
}

std::optional<Caller> BearerAuth::authenticate_token(std::string_view token) const {
  if (token.empty() || token.size() > 256) return std::nullopt;
  const auto it = by_hash_.find(sha256_hex(token));
  if (it == by_hash_.end()) return std::nullopt;
  return it->second;
}

}  // namespace piket::common
