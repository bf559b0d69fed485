// The catalogues: every message id the server uses has a text in Dutch and in
// English, and the .po files hold nothing else.
#include "piket/i18n/catalog.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <string>

#include "piket/i18n/message_ids.hpp"

namespace piket::i18n {
namespace {

constexpr std::array kLanguages{Language::nl, Language::en};

// The msgids of a .po file, read as a translator's file (not the compiled .mo).
std::set<std::string> po_ids(Language l) {
  std::ifstream in(std::string(PIKET_I18N_DIR) + "/" + std::string(to_string(l)) + "/piket.po");
  EXPECT_TRUE(in) << to_string(l);
  std::set<std::string> ids;
  const std::regex msgid{R"re(^msgid "(.+)"$)re"};
  std::smatch m;
  for (std::string line; std::getline(in, line);)
    if (std::regex_match(line, m, msgid)) ids.insert(m[1]);
  return ids;
}

TEST(CatalogTest, EveryMessageIdHasATextInBothLanguages) {
  for (auto l : kLanguages)
    for (auto id : kMessageIds)
      EXPECT_TRUE(lookup(l, id).has_value()) << to_string(l) << " lacks " << id;
}

TEST(CatalogTest, ThePoFilesHoldExactlyTheMessageIds) {
  const std::set<std::string> used(kMessageIds.begin(), kMessageIds.end());
  EXPECT_EQ(used.size(), kMessageIds.size()) << "an id is listed twice";
  for (auto l : kLanguages) EXPECT_EQ(po_ids(l), used) << to_string(l);
}

TEST(CatalogTest, AMissingIdIsFoundMissing) {
  EXPECT_FALSE(lookup(Language::nl, "sms.no_such_message").has_value());
  EXPECT_FALSE(lookup(Language::en, "").has_value());
  EXPECT_THROW((void)text(Language::en, "sms.no_such_message"), std::out_of_range);
}

TEST(CatalogTest, DutchAndEnglishDiffer) {
  EXPECT_EQ(text(Language::nl, "sms.no_reply"), "Geen antwoord nodig.");
  EXPECT_EQ(text(Language::en, "sms.no_reply"), "No reply needed.");
  EXPECT_EQ(render(Language::nl, "sms.reply_ack", fmt::arg("code", "047110")),
            "Antwoord 047110 om aan te nemen.");
  EXPECT_EQ(render(Language::en, "sms.reply_ack", fmt::arg("code", "047110")),
            "Reply 047110 to acknowledge.");
}

// The field's words (docs/glossary.md) are the names the texts use.
TEST(CatalogTest, UsesTheGlossaryTerms) {
  EXPECT_EQ(text(Language::nl, "kind.home_ban"), "HUISVERBOD");
  EXPECT_EQ(text(Language::nl, "kind.code_red"), "CODE ROOD");
  EXPECT_EQ(text(Language::nl, "kind.repeat_incident"), "HERHAALD INCIDENT");
  EXPECT_EQ(text(Language::en, "kind.repeat_incident"), "REPEAT INCIDENT");
  EXPECT_EQ(text(Language::nl, "clock.plan"), "PLAN VAN AANPAK");
  EXPECT_EQ(text(Language::nl, "clock.first_contact"), "EERSTE CONTACT");
  EXPECT_EQ(text(Language::nl, "clock.ban_decision"), "BESLUIT VERLENGING");
  EXPECT_EQ(text(Language::nl, "clock.handover"), "OVERDRACHT");
}

}  // namespace
}  // namespace piket::i18n
