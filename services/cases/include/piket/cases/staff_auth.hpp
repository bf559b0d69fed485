#pragma once
// Bearer tokens of staff ([[people]] token_sha256) → who is calling. Only
// SHA-256 hashes are configured; a presented token is hashed and looked up.

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "piket/cases/case_events.hpp"
#include "piket/common/bearer_auth.hpp"
#include "piket/rota/directory.hpp"

namespace piket::cases {

class StaffAuth {
 public:
  // The deployment's bearer tokens (config::Config::bearer_tokens()) and its
  // people (their roles and regions).
  StaffAuth(const std::vector<common::TokenHolder>& tokens,
            const std::vector<rota::PersonConfig>& people);
  // `authorization` is the raw header ("Bearer <token>"). Empty: missing,
  // malformed or unknown token.
  std::optional<Actor> authenticate(std::string_view authorization) const;

 private:
  common::BearerAuth auth_;
  std::unordered_map<std::string, Actor> by_person_;  // people with a token
};

}  // namespace piket::cases
