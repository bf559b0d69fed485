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
      "piket PLAN DUE 23-11 02:03 case C12345678 region groningen. Reply 047110 to acknowledge.");
  EXPECT_EQ(render_deadline_sms(content(DeadlineClock::plan, DeadlineStage::escalation)),
            "piket ESCALATION PLAN OVERDUE since 23-11 02:03 case C12345678 region groningen. "
            "Reply 047110 to acknowledge.");
  EXPECT_EQ(render_deadline_sms(content(DeadlineClock::ban_decision, DeadlineStage::due)),
            "piket BAN ENDS 23-11 02:03, EXTENSION DECISION DUE case C12345678 region groningen. "
            "Reply 047110 to acknowledge.");
  EXPECT_EQ(render_deadline_sms(content(DeadlineClock::reassignment, DeadlineStage::escalation)),
            "piket ESCALATION ICM ABSENT since 23-11 02:03, REASSIGN case C12345678 region "
            "groningen. Reply 047110 to acknowledge.");
}

TEST(DeadlineText, ShowsSummerTime) {
  auto c = content(DeadlineClock::evaluation, DeadlineStage::due);
  c.at = at("2027-05-23T12:00:00Z");
  EXPECT_EQ(render_deadline_sms(c),
            "piket EVALUATION DUE 23-05 14:00 case C12345678 region groningen. Reply 047110 to "
            "acknowledge.");
}

TEST(DeadlineText, AnUnansweredReminderNamesTheClockAndWhenTheReminderWasDue) {
  auto c = content(DeadlineClock::checkin, DeadlineStage::unanswered);
  c.at = at("2026-11-27T13:00:00Z");
  EXPECT_EQ(render_deadline_sms(c),
            "piket ESCALATION CHECK-IN REMINDER UNANSWERED since 27-11 14:00 case C12345678 region "
            "groningen. Reply 047110 to acknowledge.");
}

TEST(DeadlineText, EveryClockAndStageFitsOneSegmentEvenWithTheLongestRegion) {
  for (int c = 0; c <= static_cast<int>(DeadlineClock::reassignment); ++c)
    for (int s = 0; s <= static_cast<int>(DeadlineStage::unanswered); ++s) {
      auto x = content(static_cast<DeadlineClock>(c), static_cast<DeadlineStage>(s));
      x.region = std::string(40, 'r');
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
           [](auto& c) { c.region = std::string(64, 'r'); }}) {
    auto c = content(DeadlineClock::checkin, DeadlineStage::escalation);
    mutate(c);
    EXPECT_FALSE(render_deadline_sms(c)) << c.case_code << " " << c.region << " " << c.ack_code;
  }
}

}  // namespace
}  // namespace piket::paging
