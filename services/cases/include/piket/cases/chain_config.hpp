#pragma once
// The chain partners (ketenpartners) a case's agreements name, and the
// agreement categories: the [[chain_partners]] tables and the [agreements]
// section of the deployment file (docs/configuration.md, "Chain partners and
// agreements"). Parsed by piket-cases' own parser; piket_config assembles it.
//
//   [[chain_partners]]
//   id = "vz-noord"                 # lower-case id, unique in the file
//   name = "Verslavingszorg Noord"  # 1-100 characters; never in a page or a log
//   kind = "addiction_care"         # one of kPartnerKinds
//   region = "groningen"            # one of [[regions]]
//
//   [agreements]
//   categories = ["referral", "appointment", …]   # lower-case ids; "referral" required

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "piket/common/config.hpp"

namespace piket::cases {

enum class PartnerKind {
  addiction_care,
  youth_care,
  mental_health,
  social_work,
  probation,
  police,
  other,
};
std::string_view to_string(PartnerKind k);
std::optional<PartnerKind> parse_partner_kind(std::string_view s);

struct ChainPartner {
  std::string id;
  std::string name;
  PartnerKind kind = PartnerKind::other;
  std::string region;
};

// The category of an agreement that asks a partner to start help: its
// waiting time (from request to start) is recorded.
inline constexpr std::string_view kReferralCategory = "referral";

// At most this many partners in a file, and categories in [agreements].
inline constexpr std::size_t kMaxChainPartners = 500;
inline constexpr std::size_t kMaxAgreementCategories = 30;

struct ChainConfig {
  std::vector<ChainPartner> partners;
  std::vector<std::string> categories{"referral",  "appointment", "intake",
                                      "treatment", "safety_plan", "other"};

  // The partner with this id, or null.
  const ChainPartner* partner(std::string_view id) const;
  bool has_category(std::string_view category) const;
};

// [[chain_partners]] and [agreements]; the partners' regions must be among `region_ids`.
ChainConfig parse_chain(common::TomlReader& r, const std::set<std::string>& region_ids);

}  // namespace piket::cases
