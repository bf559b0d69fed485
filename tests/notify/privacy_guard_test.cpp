// PrivacyGuard: a message holding any value of the incident's person data,
// household key or summary is caught; the template's own words are not.
#include "piket/notify/privacy_guard.hpp"

#include <gtest/gtest.h>

namespace piket::notify {
namespace {

const std::string kBody =
    R"({"reference":"R1","kind":"home_ban","region":"groningen","household":"hh-7f3a9c",)"
    R"("persons":[{"role":"victim","name":"Zyxwa Qorvath","phone":"+31 6 8765 4321",)"
    R"("address":"Vlietstraat 99"},{"role":"perpetrator","name":"Al","birth":"1990-01-02"}],)"
    R"("summary":"Synthetic summary mentions Kelderweg"})";

const std::string kPageText =
    "piket HOME BAN case C12345678 region groningen reported 22-11 14:03. Reply 04711 to "
    "acknowledge.";

TEST(PrivacyGuard, TheTemplateTextPasses) {
  const auto g = PrivacyGuard::from_incident(kBody, "hh-7f3a9c");
  EXPECT_FALSE(g.find_leak(kPageText).has_value());
}

TEST(PrivacyGuard, EachFieldIsCaughtAndNamedWithoutItsValue) {
  const auto g = PrivacyGuard::from_incident(kBody, "hh-7f3a9c");
  EXPECT_EQ(g.find_leak(kPageText + " Zyxwa Qorvath"), "persons[0].name");
  EXPECT_EQ(g.find_leak(kPageText + " Vlietstraat 99"), "persons[0].address");
  EXPECT_EQ(g.find_leak(kPageText + " +31 6 8765 4321"), "persons[0].phone");
  // The same number written without spaces or '+'.
  EXPECT_EQ(g.find_leak("call 31687654321"), "persons[0].phone");
  EXPECT_EQ(g.find_leak("born 1990-01-02"), "persons[1].birth");
  EXPECT_EQ(g.find_leak("household hh-7f3a9c"), "household");
  EXPECT_EQ(g.find_leak("Synthetic summary mentions Kelderweg"), "summary");
}

TEST(PrivacyGuard, RolesAndShortValuesAreNotLookedFor) {
  const auto g = PrivacyGuard::from_incident(kBody, "hh-7f3a9c");
  EXPECT_FALSE(g.find_leak("victim perpetrator").has_value());
  EXPECT_FALSE(g.find_leak("Al").has_value());  // too short to tell from the template's words
}

TEST(PrivacyGuard, HouseholdFromTheCaseAloneAndBadBodies) {
  EXPECT_EQ(PrivacyGuard::from_incident("", "hh-only-case").find_leak("x hh-only-case"),
            "household");
  EXPECT_EQ(PrivacyGuard::from_incident("not json", "hh-only-case").size(), 1u);
  EXPECT_EQ(PrivacyGuard::from_incident("[1,2]", "").size(), 0u);
}

// Issue 18: a family message's page is checked against the message's text too
// (notify_privacy_body.lua adds it as family_message).
TEST(PrivacyGuard, AFamilysMessageIsCaught) {
  const auto g = PrivacyGuard::from_incident(
      R"({"persons":[{"role":"victim","phone":"+31611111101"}],"family_message":"Hij staat )"
      R"(weer voor de deur"})",
      "");
  EXPECT_FALSE(g.find_leak("piket BERICHT GEZIN zaak C12345678. Antwoord 123456.").has_value());
  EXPECT_EQ(g.find_leak("x Hij staat weer voor de deur"), "family_message");
  EXPECT_EQ(g.find_leak("bel 31611111101"), "persons[0].phone");
}

}  // namespace
}  // namespace piket::notify
