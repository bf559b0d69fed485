// How a family's SMS is read and answered (issue 18; label unit):
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

// "Your casemanager" only for a stored message of a non-perpetrator whose
// casemanager is there; everything else hears of the casemanager on duty.
TEST(FamilySmsTest, OnlyAStoredMessageToAPresentCasemanagerSaysOwn) {
  using R = store::FamilyMessageReply;
  R stored{R::Kind::stored, {{"C1", "F1", "victim", true}}};
  EXPECT_EQ(family_reply_for(stored), FamilyReply::own);
  R absent{R::Kind::stored, {{"C1", "F1", "victim", false}}};
  EXPECT_EQ(family_reply_for(absent), FamilyReply::duty);
  R perpetrator{R::Kind::stored, {{"C1", "F1", "perpetrator", true}}};
  EXPECT_EQ(family_reply_for(perpetrator), FamilyReply::duty);
  R full{R::Kind::stored, {{"C1", "", "victim", true}}};
  EXPECT_EQ(family_reply_for(full), FamilyReply::duty);
  EXPECT_EQ(family_reply_for(R{R::Kind::unknown, {}}), FamilyReply::duty);
  EXPECT_EQ(family_reply_for(R{R::Kind::limited, {}}), FamilyReply::duty);
  EXPECT_NE(family_reply_text(FamilyReply::own, i18n::Language::nl),
            family_reply_text(FamilyReply::duty, i18n::Language::nl));
}

}  // namespace
}  // namespace piket::inbound
