#include "piket/ingest/token_registry.hpp"

namespace piket::ingest {

TokenRegistry::TokenRegistry(const std::vector<common::TokenHolder>& tokens) : auth_(tokens) {}

std::optional<Principal> TokenRegistry::authenticate(std::string_view authorization) const {
  const auto caller = auth_.authenticate(authorization);
  if (!caller) return std::nullopt;
  switch (caller->kind) {
    case common::Caller::Kind::partner:
      return Principal{Principal::Kind::partner, caller->id, caller->regions};
    case common::Caller::Kind::admin:
      return Principal{Principal::Kind::admin, caller->id, {}};
    default:
      return std::nullopt;  // staff tokens are for the staff APIs, not the partner API
  }
}

}  // namespace piket::ingest
