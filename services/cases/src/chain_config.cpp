#include "piket/cases/chain_config.hpp"

#include <array>
#include <utility>

#include "piket/common/toml_reader.hpp"
#include "piket/common/utf8_length.hpp"

namespace piket::cases {
namespace {

constexpr std::array<std::pair<PartnerKind, std::string_view>, 7> kKinds{{
    {PartnerKind::addiction_care, "addiction_care"},
    {PartnerKind::youth_care, "youth_care"},
    {PartnerKind::mental_health, "mental_health"},
    {PartnerKind::social_work, "social_work"},
    {PartnerKind::probation, "probation"},
    {PartnerKind::police, "police"},
    {PartnerKind::other, "other"},
}};

constexpr std::size_t kMaxPartnerName = 100;

std::string kind_list() {
  std::string out;
  for (const auto& [_, name] : kKinds) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

}  // namespace

std::string_view to_string(PartnerKind k) {
  for (const auto& [value, name] : kKinds)
    if (value == k) return name;
  return "other";
}

std::optional<PartnerKind> parse_partner_kind(std::string_view s) {
  for (const auto& [value, name] : kKinds)
    if (name == s) return value;
  return std::nullopt;
}

const ChainPartner* ChainConfig::partner(std::string_view id) const {
  for (const auto& p : partners)
    if (p.id == id) return &p;
  return nullptr;
}

bool ChainConfig::has_category(std::string_view category) const {
  for (const auto& c : categories)
    if (c == category) return true;
  return false;
}

ChainConfig parse_chain(common::TomlReader& r, const std::set<std::string>& region_ids) {
  ChainConfig c;
  std::set<std::string> ids;
  for (const auto* t : r.tables(r.root(), "chain_partners", kMaxChainPartners)) {
    const std::string p = "chain_partners.";
    r.only_known(*t, p, {"id", "name", "kind", "region"});
    ChainPartner partner;
    const auto id = r.id(*t, p, "id", true);
    // "family" and "casemanager" name the other parties of an agreement.
    if (id && (*id == "family" || *id == "casemanager"))
      r.error(t->get("id")->source(), p + "id", "\"" + *id + "\" is reserved for agreements");
    else if (id && !ids.insert(*id).second)
      r.error(t->get("id")->source(), p + "id", "chain partner " + *id + " is given twice");
    if (id) partner.id = *id;
    if (auto name = r.string(*t, p, "name", true, 4 * kMaxPartnerName)) {
      if (name->empty() || common::utf8_length(*name) > kMaxPartnerName)
        r.error(t->get("name")->source(), p + "name",
                "must be 1-" + std::to_string(kMaxPartnerName) + " characters");
      partner.name = *name;
    }
    if (auto kind = r.string(*t, p, "kind", true, 64)) {
      if (auto k = parse_partner_kind(*kind))
        partner.kind = *k;
      else
        r.error(t->get("kind")->source(), p + "kind", "must be one of " + kind_list());
    }
    if (auto region = r.id(*t, p, "region", true)) {
      if (!region_ids.count(*region))
        r.error(t->get("region")->source(), p + "region", "unknown region " + *region);
      partner.region = *region;
    }
    c.partners.push_back(std::move(partner));
  }
  if (const auto* t = r.table(r.root(), "", "agreements")) {
    r.only_known(*t, "agreements.", {"categories"});
    if (t->get("categories")) {
      auto list = r.string_list(*t, "agreements.", "categories", true, common::id_pattern(),
                                "a list of lower-case ids");
      const auto* n = t->get("categories");
      if (list.size() > kMaxAgreementCategories)
        r.error(n->source(), "agreements.categories",
                "more than " + std::to_string(kMaxAgreementCategories) + " categories");
      std::set<std::string> seen;
      for (const auto& cat : list)
        if (!seen.insert(cat).second)
          r.error(n->source(), "agreements.categories", "category " + cat + " is given twice");
      if (!seen.count(std::string(kReferralCategory)))
        r.error(n->source(), "agreements.categories",
                "must include \"referral\" (a partner's waiting time is measured by it)");
      c.categories = std::move(list);
    }
  }
  return c;
}

}  // namespace piket::cases
