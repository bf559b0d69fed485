// Reminder and escalation pages: what they say, in Amsterdam time, always one
// GSM-7 segment, and nothing malformed is rendered.
#include "piket/paging/deadline_text.hpp"

#include <gtest/gtest.h>

#include "piket/paging/page_text.hpp"
#include "test_config.hpp"

namespace piket::paging {
namespace {

using cases::test::at;

DeadlinePageContent content(DeadlineClock c, DeadlineStage s) {
  return {"C12345678", c, s, "groningen", at("2026-11-23T01:03:00Z"), "047110"};
}

TEST(DeadlineText, SaysTheClockTheCaseTheRegionAndHowToAcknowledge) {
  EXPECT_EQ(
      render_deadline_sms(content(DeadlineClock::plan, DeadlineStage::due)),
      "piket PLAN VAN AANPAK BINNENKORT, uiterlijk 23-11 02:03 zaak C12345678 regio groningen. "
      "Antwoord 047110 om aan te nemen.");
  EXPECT_EQ(render_deadline_sms(content(DeadlineClock::plan, DeadlineStage::escalation)),
            "piket OPGESCHAALD PLAN VAN AANPAK TE LAAT sinds 23-11 02:03 zaak C12345678 regio "
            "groningen. Antwoord 047110 om aan te nemen.");
  EXPECT_EQ(render_deadline_sms(content(DeadlineClock::ban_decision, DeadlineStage::due)),
            "piket HUISVERBOD EINDIGT 23-11 02:03, BESLUIT VERLENGING NODIG zaak C12345678 regio "
            "groningen. Antwoord 047110 om aan te nemen.");
  EXPECT_EQ(render_deadline_sms(content(DeadlineClock::reassignment, DeadlineStage::escalation)),
            "piket OPGESCHAALD CASEMANAGER AFWEZIG sinds 23-11 02:03, WIJS OPNIEUW TOE zaak "
            "C12345678 regio groningen. Antwoord 047110 om aan te nemen.");
}

TEST(DeadlineText, InEnglishForSomeoneWhoChoseEnglish) {
  auto c = content(DeadlineClock::plan, DeadlineStage::escalation);
  c.language = i18n::Language::en;
  EXPECT_EQ(render_deadline_sms(c),
            "piket ESCALATED PLAN OVERDUE since 23-11 02:03 case C12345678 region groningen. "
            "Reply 047110 to acknowledge.");
  c = content(DeadlineClock::ban_decision, DeadlineStage::due);
  c.language = i18n::Language::en;
  EXPECT_EQ(render_deadline_sms(c),
            "piket BAN ENDS 23-11 02:03, EXTENSION DECISION DUE case C12345678 region groningen. "
            "Reply 047110 to acknowledge.");
}

TEST(DeadlineText, ShowsSummerTime) {
  auto c = content(DeadlineClock::evaluation, DeadlineStage::due);
  c.at = at("2027-05-23T12:00:00Z");
  EXPECT_EQ(
      render_deadline_sms(c),
      "piket EVALUATIE BINNENKORT, uiterlijk 23-05 14:00 zaak C12345678 regio groningen. Antwoord "
      "047110 om aan te nemen.");
}

TEST(DeadlineText, AnUnansweredReminderNamesTheClockAndWhenTheReminderWasDue) {
  auto c = content(DeadlineClock::checkin, DeadlineStage::unanswered);
  c.at = at("2026-11-27T13:00:00Z");
  EXPECT_EQ(render_deadline_sms(c),
            "piket OPGESCHAALD HERINNERING CONTACTMOMENT ONBEANTWOORD sinds 27-11 14:00 zaak "
            "C12345678 regio groningen. Antwoord 047110 om aan te nemen.");
}

TEST(DeadlineText, EveryClockAndStageFitsOneSegmentEvenWithTheLongestRegion) {
  for (int c = 0; c <= static_cast<int>(DeadlineClock::reassignment); ++c)
    for (int s = 0; s <= static_cast<int>(DeadlineStage::unanswered); ++s) {
      auto x = content(static_cast<DeadlineClock>(c), static_cast<DeadlineStage>(s));
      x.region = std::string(64, 'r');  // the longest region id
      const auto text = render_deadline_sms(x);
      ASSERT_TRUE(text) << c << "/" << s;
      EXPECT_LE(text->size(), 160u) << *text;
      EXPECT_TRUE(is_gsm7_basic(*text)) << *text;
    }
}

TEST(DeadlineText, MalformedValuesAreNeverRendered) {
  for (auto mutate : std::vector<std::function<void(DeadlinePageContent&)>>{
           [](auto& c) { c.case_code = "Jan Jansen"; }, [](auto& c) { c.case_code = "C1234567"; },
           [](auto& c) { c.region = "Groningen, Vlietstraat 9"; },
           [](auto& c) { c.ack_code = "12 45"; },
           [](auto& c) { c.region = std::string(65, 'r'); }}) {
    auto c = content(DeadlineClock::checkin, DeadlineStage::escalation);
    mutate(c);
    EXPECT_FALSE(render_deadline_sms(c)) << c.case_code << " " << c.region << " " << c.ack_code;
  }
}

// A valid region that would not fit is left out (the case code identifies the
// case); before the catalogues such a page was not sent at all.
TEST(DeadlineText, TheLongestRegionIsLeftOutRatherThanThePage) {
  auto c = content(DeadlineClock::checkin, DeadlineStage::unanswered);
  c.region = std::string(64, 'r');
  const auto text = render_deadline_sms(c);
  ASSERT_TRUE(text);
  EXPECT_EQ(text->find(c.region), std::string::npos) << *text;
  EXPECT_EQ(*text,
            "piket OPGESCHAALD HERINNERING CONTACTMOMENT ONBEANTWOORD sinds 23-11 02:03 zaak "
            "C12345678. Antwoord 047110 om aan te nemen.");
}

}  // namespace
}  // namespace piket::paging
