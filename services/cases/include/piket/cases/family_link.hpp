#pragma once
// A case's contact link for the family (issue 18; docs/paging.md, "Family
// messages"): a secret link the casemanager gives to the family, which opens
// the web's contact form for that case without signing in. The secret is
// random (libsodium), shown once when made; Redis keeps only its SHA-256 hash
// (store/family_contact.hpp, which also gives the secret's form and path). At most one live link
// per case: making one revokes the one before it. A link works only while its case is open. Who may
// make, see and revoke it: the case's casemanager or a team lead of its region (piket_access,
// CaseAction::record), checked by the caller.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "piket/common/api_refusal.hpp"
#include "piket/common/clock.hpp"
#include "piket/common/redis.hpp"

namespace piket::cases {

struct FamilyLinkInfo {
  std::string id;  // the hash's first 12 characters: names the link, opens nothing
  common::Instant created_at{};
  std::string by;
};

struct FamilyLinkCreated {
  std::string secret;  // shown once; never stored, never logged
  FamilyLinkInfo info;
  std::string replaced;  // the id of the link it revoked, or empty
};

class FamilyLinks {
 public:
  explicit FamilyLinks(common::RedisConnection& redis) : redis_(redis) {}

  // 404 not_found (no such case), 409 case_closed.
  std::variant<FamilyLinkCreated, common::ApiRefusal> create(const std::string& case_id,
                                                             const std::string& by,
                                                             common::Instant now);
  // The revoked link's id; nullopt when the case had none.
  std::optional<std::string> revoke(const std::string& case_id, const std::string& by,
                                    common::Instant now);
  // The case's live link, if any.
  std::optional<FamilyLinkInfo> find(const std::string& case_id);

 private:
  common::RedisConnection& redis_;
};

}  // namespace piket::cases
