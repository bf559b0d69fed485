// Which language a message to a person is in: the person's preference
// ([[people]] language) beats the deployment's ([deployment] language, Dutch
// when not set), through the whole configuration file.
#include "piket/i18n/language.hpp"

#include <gtest/gtest.h>

#include <string>

#include "piket/config/config.hpp"
#include "piket/paging/page_text.hpp"

namespace piket::i18n {
namespace {

const std::string kFile = "deploy/test.toml";

// A deployment with two people: one who chose English, one who chose nothing.
std::string config_text(const std::string& deployment_language,
                        const std::string& person_language = "en") {
  std::string t = "[deployment]\nname = \"demo\"\n";
  if (!deployment_language.empty()) t += "language = \"" + deployment_language + "\"\n";
  t += "\n[kannel]\nusername = \"u\"\n\n[rota]\nfile = \"/etc/piket/rota.toml\"\n\n"
       "[[regions]]\nid = \"groningen\"\n\n"
       "[[people]]\nid = \"anna\"\nname = \"Anna\"\nrole = \"casemanager\"\n"
       "phone = \"+31600000001\"\nregions = [\"groningen\"]\nlanguage = \"" +
       person_language +
       "\"\n\n"
       "[[people]]\nid = \"bram\"\nname = \"Bram\"\nrole = \"casemanager\"\n"
       "phone = \"+31600000002\"\nregions = [\"groningen\"]\n";
  return t;
}

TEST(LanguageTest, ParsesTheTwoCodesOnly) {
  EXPECT_EQ(parse_language("nl"), Language::nl);
  EXPECT_EQ(parse_language("en"), Language::en);
  for (auto bad : {"", "NL", "de", "nl-NL", "english"}) EXPECT_FALSE(parse_language(bad)) << bad;
  EXPECT_EQ(to_string(Language::nl), "nl");
  EXPECT_EQ(to_string(Language::en), "en");
}

TEST(LanguageTest, ThePersonsPreferenceBeatsTheDeployments) {
  EXPECT_EQ(language_for(Language::nl, Language::en), Language::en);
  EXPECT_EQ(language_for(Language::en, Language::nl), Language::nl);
  EXPECT_EQ(language_for(Language::en, std::nullopt), Language::en);
  EXPECT_EQ(language_for(Language::nl, std::nullopt), Language::nl);
}

TEST(LanguageTest, ADeploymentWithoutALanguageSpeaksDutch) {
  const auto c = config::parse_config(config_text(""), kFile);
  EXPECT_EQ(c.language, Language::nl);
  EXPECT_EQ(c.language_of("bram"), Language::nl);
  EXPECT_EQ(c.language_of("anna"), Language::en);  // hers
  EXPECT_EQ(c.language_of("nobody"), Language::nl);
}

TEST(LanguageTest, TheConfiguredDeploymentLanguageIsUsedForPeopleWithoutOne) {
  const auto c = config::parse_config(config_text("en", "nl"), kFile);
  EXPECT_EQ(c.language, Language::en);
  EXPECT_EQ(c.language_of("bram"), Language::en);
  EXPECT_EQ(c.language_of("anna"), Language::nl);  // her preference wins
}

TEST(LanguageTest, TheSmsFollowsThePersonsLanguage) {
  const auto c = config::parse_config(config_text("nl"), kFile);
  paging::PageContent page{"C12345678", common::IncidentKind::code_red, "groningen",
                           common::Instant{}, "047110"};
  page.language = c.language_of("anna");
  EXPECT_EQ(render_page_sms(page)->rfind("piket CODE RED case C12345678", 0), 0u);
  page.language = c.language_of("bram");
  EXPECT_EQ(render_page_sms(page)->rfind("piket CODE ROOD zaak C12345678", 0), 0u);
}

TEST(LanguageTest, AnUnknownLanguageIsAConfigError) {
  for (const auto& text : {config_text("de"), config_text("nl", "fr")}) {
    try {
      config::parse_config(text, kFile);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const common::ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("must be \"nl\" or \"en\""), std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace piket::i18n
