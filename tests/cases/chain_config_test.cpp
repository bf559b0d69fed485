// [[chain_partners]] and [agreements] (issue 16): the partners a case's
// agreements name and the agreement categories, checked when the file loads.
#include <gtest/gtest.h>

#include <string>

#include "piket/config/config.hpp"

namespace piket::cases {
namespace {

using config::parse_config;

std::string with(const std::string& extra) {
  return "[kannel]\nusername = \"u\"\n[rota]\nfile = \"rota.toml\"\n" + extra +
         "\n[[regions]]\nid = \"groningen\"\n\n[[regions]]\nid = \"drenthe\"\n";
}

std::string partner(const std::string& id, const std::string& kind,
                    const std::string& region = "groningen",
                    const std::string& name = "Synthetic Partner") {
  return "[[chain_partners]]\nid = \"" + id + "\"\nname = \"" + name + "\"\nkind = \"" + kind +
         "\"\nregion = \"" + region + "\"\n";
}

// The error of loading `extra`, or "" when it loads.
std::string error_of(const std::string& extra) {
  try {
    parse_config(with(extra), "t.toml");
  } catch (const common::ConfigError& e) {
    return e.what();
  }
  return {};
}

TEST(ChainConfig, NoPartnersAndTheDefaultCategoriesWhenNothingIsGiven) {
  const auto c = parse_config(with(""), "t.toml");
  EXPECT_TRUE(c.chain.partners.empty());
  EXPECT_TRUE(c.chain.has_category("referral"));
  EXPECT_TRUE(c.chain.has_category("appointment"));
  EXPECT_FALSE(c.chain.has_category("lunch"));
}

TEST(ChainConfig, PartnersAreReadWithTheirKindAndRegion) {
  const auto c = parse_config(with(partner("vz-noord", "addiction_care") +
                                   partner("reclassering-d", "probation", "drenthe") +
                                   "[agreements]\ncategories = [\"referral\", \"visit\"]\n"),
                              "t.toml");
  ASSERT_EQ(c.chain.partners.size(), 2u);
  const auto* vz = c.chain.partner("vz-noord");
  ASSERT_NE(vz, nullptr);
  EXPECT_EQ(vz->kind, PartnerKind::addiction_care);
  EXPECT_EQ(vz->region, "groningen");
  EXPECT_EQ(vz->name, "Synthetic Partner");
  EXPECT_EQ(c.chain.partner("reclassering-d")->kind, PartnerKind::probation);
  EXPECT_EQ(c.chain.partner("nobody"), nullptr);
  EXPECT_EQ(c.chain.categories, (std::vector<std::string>{"referral", "visit"}));
}

TEST(ChainConfig, EveryKindOfTheListIsAccepted) {
  for (const auto* kind : {"addiction_care", "youth_care", "mental_health", "social_work",
                           "probation", "police", "other"}) {
    const auto c = parse_config(with(partner("p1", kind)), "t.toml");
    EXPECT_EQ(to_string(c.chain.partners.at(0).kind), kind);
  }
}

TEST(ChainConfig, MistakesAreRefusedNamingTheKey) {
  struct Case {
    std::string extra, key, words;
  };
  const Case cases[] = {
      {partner("vz", "cooking"), "chain_partners.kind", "must be one of addiction_care"},
      {partner("vz", "police", "friesland"), "chain_partners.region", "unknown region friesland"},
      {partner("Vz Noord", "police"), "chain_partners.id", "lower-case id"},
      {partner("vz", "police") + partner("vz", "other"), "chain_partners.id", "given twice"},
      {partner("family", "other"), "chain_partners.id", "reserved"},
      {partner("casemanager", "other"), "chain_partners.id", "reserved"},
      {partner("vz", "police", "groningen", ""), "chain_partners.name", "1-100 characters"},
      {partner("vz", "police", "groningen", std::string(101, 'x')), "chain_partners.name",
       "1-100 characters"},
      {"[[chain_partners]]\nid = \"vz\"\nkind = \"police\"\nregion = \"groningen\"\n",
       "chain_partners.name", "required"},
      {partner("vz", "police") + "phone = \"+31600000000\"\n", "chain_partners.phone",
       "unknown key"},
      {"[agreements]\ncategories = [\"visit\"]\n", "agreements.categories", "must include"},
      {"[agreements]\ncategories = [\"referral\", \"referral\"]\n", "agreements.categories",
       "given twice"},
      {"[agreements]\ncategories = [\"referral\", \"Big Visit\"]\n", "agreements.categories",
       "lower-case"},
      {"[agreements]\ngrace = 3\n", "agreements.grace", "unknown key"},
  };
  for (const auto& c : cases) {
    const auto e = error_of(c.extra);
    EXPECT_NE(e.find(c.key), std::string::npos) << c.extra << "\n→ " << e;
    EXPECT_NE(e.find(c.words), std::string::npos) << c.extra << "\n→ " << e;
  }
}

TEST(ChainConfig, TooManyCategoriesAreRefused) {
  std::string list = "\"referral\"";
  for (int i = 0; i < 30; ++i) list += ", \"c" + std::to_string(i) + "\"";
  const auto e = error_of("[agreements]\ncategories = [" + list + "]\n");
  EXPECT_NE(e.find("more than 30 categories"), std::string::npos) << e;
}

}  // namespace
}  // namespace piket::cases
