// How a family's SMS is read and the texts it is answered with (issue 18; label unit):
// piket/inbound/family_sms.hpp without a server.
#include "piket/inbound/family_sms.hpp"

#include <gtest/gtest.h>

#include <string>

namespace piket::inbound {
namespace {

TEST(FamilySmsTest, TheFirstWordMarksItUrgentAndIsNotKept) {
  for (const std::string body : {"DRINGEND bel me", "dringend: bel me", "  Spoed! bel me",
                                 "URGENT\nbel me", "urgent bel me"}) {
    const auto s = read_family_sms(body);
    EXPECT_TRUE(s.urgent) << body;
    EXPECT_EQ(s.text, "bel me") << body;
  }
  for (const std::string body : {"bel me dringend", "DRINGENDER bel me", "niet dringend"}) {
    const auto s = read_family_sms(body);
    EXPECT_FALSE(s.urgent) << body;
    EXPECT_EQ(s.text, body) << body;
  }
  EXPECT_TRUE(read_family_sms("DRINGEND").urgent);
  EXPECT_EQ(read_family_sms("DRINGEND").text, "");
}

// At most kFamilyTextMax characters, never a character cut in two.
TEST(FamilySmsTest, TheTextIsBoundedAtACharacterBoundary) {
  std::string body;
  for (std::size_t i = 0; i < kFamilyTextMax + 10; ++i) body += "\xc3\xab";  // ë, two bytes
  const auto s = read_family_sms(body);
  EXPECT_EQ(s.text.size(), 2 * kFamilyTextMax);
  EXPECT_EQ(read_family_sms("kort").text, "kort");
}

// The two answers differ (who picks it up, by role); which one a number gets is
// the script's choice (inbound_family_message.lua, its tests in tests/store).
TEST(FamilySmsTest, TheTwoAnswersNameARoleNotAPerson) {
  for (auto l : {i18n::Language::nl, i18n::Language::en})
    EXPECT_NE(family_reply_text(FamilyReply::own, l), family_reply_text(FamilyReply::duty, l));
  EXPECT_NE(family_reply_text(FamilyReply::duty, i18n::Language::nl).find("van dienst"),
            std::string::npos);
}

}  // namespace
}  // namespace piket::inbound
