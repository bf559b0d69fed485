// bearer_token and BearerAuth: the one place every API turns an
// Authorization header into a caller.
#include "piket/common/bearer_auth.hpp"

#include <gtest/gtest.h>

#include "piket/common/crypto.hpp"
#include "piket/config/config.hpp"

namespace piket::common {
namespace {

// The whole file is assembled by piket_config; its sections are their owners'.
using config::Config;
using config::load_config;
using config::parse_config;
using rota::ContactChannel;
using rota::PersonConfig;
using rota::StaffRole;

TEST(BearerToken, ParsesTheSchemeCaseInsensitivelyAndTrims) {
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("bearer abc"), "abc");
  EXPECT_EQ(bearer_token("BEARER   abc  "), "abc");
  for (const char* bad : {"", "Bearer", "Bearer ", "Bearer    ", "Basic abc", "Bearerabc", "abc"})
    EXPECT_FALSE(bearer_token(bad).has_value()) << bad;
  EXPECT_FALSE(bearer_token("Bearer " + std::string(600, 'x')).has_value());
}

Config config() {
  Config c;
  c.partners = {{"police", sha256_hex("p-token"), {"groningen"}, 50, 100}};
  c.admins = {{"ops", sha256_hex("a-token")}};
  PersonConfig cm;
  cm.id = "icm-1";
  cm.role = StaffRole::casemanager;
  cm.regions = {"groningen"};
  cm.token_sha256 = sha256_hex("c-token");
  PersonConfig tl = cm;
  tl.id = "tl-1";
  tl.role = StaffRole::team_lead;
  tl.token_sha256 = sha256_hex("t-token");
  PersonConfig none = cm;
  none.id = "icm-2";
  none.token_sha256 = "";
  c.people = {cm, tl, none};
  return c;
}

TEST(BearerAuth, EachTokenIsItsCallerOfItsKind) {
  const BearerAuth auth(config().bearer_tokens());
  const auto p = auth.authenticate("Bearer p-token");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, Caller::Kind::partner);
  EXPECT_EQ(p->id, "police");
  EXPECT_TRUE(p->serves("groningen"));
  EXPECT_FALSE(p->is_staff());
  const auto a = auth.authenticate("Bearer a-token");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, Caller::Kind::admin);
  const auto c = auth.authenticate("Bearer c-token");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, Caller::Kind::casemanager);
  EXPECT_EQ(c->id, "icm-1");
  EXPECT_TRUE(c->is_staff());
  const auto t = auth.authenticate_token("t-token");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->kind, Caller::Kind::team_lead);
}

TEST(BearerAuth, UnknownMalformedAndOversizedTokensAreNobody) {
  const BearerAuth auth(config().bearer_tokens());
  EXPECT_FALSE(auth.authenticate("Bearer nope"));
  EXPECT_FALSE(auth.authenticate("p-token"));
  EXPECT_FALSE(auth.authenticate(""));
  EXPECT_FALSE(auth.authenticate_token(""));
  EXPECT_FALSE(auth.authenticate_token(std::string(300, 'p')));
}

}  // namespace
}  // namespace piket::common
