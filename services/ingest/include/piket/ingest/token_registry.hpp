#pragma once
// Bearer tokens → who is calling. Only SHA-256 hashes of tokens are configured
// and kept; a presented token is hashed and looked up.

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "piket/common/bearer_auth.hpp"

namespace piket::ingest {

struct Principal {
  enum class Kind { partner, admin };
  Kind kind = Kind::partner;
  std::string id;
  std::set<std::string, std::less<>> regions;  // partners: where they may post
};

class TokenRegistry {
 public:
  explicit TokenRegistry(const std::vector<common::TokenHolder>& tokens);
  // `authorization` is the raw header value ("Bearer <token>"). Empty optional:
  // missing, malformed or unknown token.
  std::optional<Principal> authenticate(std::string_view authorization) const;

 private:
  common::BearerAuth auth_;  // partners and admins are let in; staff tokens are not
};

}  // namespace piket::ingest
