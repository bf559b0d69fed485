// render_page_sms and is_gsm7_basic: what a page says (Dutch, the default; the
// English texts and every template's fit: tests/i18n), in Amsterdam time, and
// that nothing malformed or oversized is ever rendered.
#include "piket/paging/page_text.hpp"

#include <date/date.h>
#include <date/tz.h>
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "piket/i18n/catalog.hpp"

namespace piket::paging {
namespace {

using common::IncidentKind;
using common::Instant;
using common::Millis;

using i18n::Language;
using std::chrono::hours;
using std::chrono::minutes;

constexpr std::array kAllKinds{IncidentKind::home_ban,        IncidentKind::home_ban_extended,
                               IncidentKind::home_ban_lifted, IncidentKind::code_red,
                               IncidentKind::ban_violation,   IncidentKind::repeat_incident};

Instant utc(int y, unsigned m, unsigned d, int h, int min) {
  const auto day = std::chrono::sys_days{std::chrono::year{y} / m / d};
  return std::chrono::time_point_cast<Millis>(day + hours{h} + minutes{min});
}

PageContent content(Instant at = utc(2026, 11, 22, 13, 3)) {
  return {"C12345678", IncidentKind::home_ban, "groningen", at, "047110"};
}

std::string render_at(Instant at) {
  const auto text = render_page_sms(content(at));
  return text ? *text : "<not rendered>";
}

std::string label(IncidentKind k) {
  return std::string(kind_label(k, Language::nl));
}

// "gemeld DD-MM HH:MM." as the text shows it.
std::string shown(const std::string& when) {
  return ", gemeld " + when + ".";
}

TEST(PageTextTest, ContainsCaseKindRegionTimeAndReplyCode) {
  const auto text = render_page_sms(content());
  ASSERT_TRUE(text.has_value());
  EXPECT_NE(text->find("C12345678"), std::string::npos) << *text;
  EXPECT_NE(text->find(label(IncidentKind::home_ban)), std::string::npos);
  EXPECT_NE(text->find("groningen"), std::string::npos);
  EXPECT_NE(text->find("047110"), std::string::npos);  // leading zero kept
  // 13:03 UTC in November is 14:03 CET.
  EXPECT_NE(text->find(shown("22-11 14:03")), std::string::npos) << *text;
}

TEST(PageTextTest, EscalatedAndNoContactPagesSayWhyAndStillFitOneSegment) {
  auto c = content();
  const auto plain = render_page_sms(c);
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->rfind("piket ", 0), 0u);
  EXPECT_EQ(*plain,
            "piket HUISVERBOD zaak C12345678 regio groningen, gemeld 22-11 14:03. Antwoord 047110 "
            "om aan te nemen.");
  EXPECT_EQ(plain->find("OPGESCHAALD"), std::string::npos);
  for (auto [reason, word] : {std::pair{PageReason::escalated, "piket OPGESCHAALD "},
                              std::pair{PageReason::no_first_contact, "piket NOG GEEN CONTACT "}}) {
    for (auto kind : kAllKinds) {
      c.kind = kind;
      c.reason = reason;
      c.region = std::string(64, 'r');  // the longest region id the config allows
      const auto text = render_page_sms(c);
      ASSERT_TRUE(text.has_value()) << word << to_string(kind);
      EXPECT_EQ(text->rfind(word, 0), 0u) << *text;
      EXPECT_LE(text->size(), 160u);
      EXPECT_TRUE(is_gsm7_basic(*text));
      EXPECT_NE(text->find("047110"), std::string::npos);
      c.reason = PageReason::incident;
      EXPECT_TRUE(render_inform_sms(c)) << to_string(kind);
    }
  }
}

TEST(PageTextTest, EveryKindShowsItsOwnLabel) {
  for (auto kind : kAllKinds) {
    auto c = content();
    c.kind = kind;
    const auto text = render_page_sms(c);
    ASSERT_TRUE(text.has_value()) << to_string(kind);
    EXPECT_NE(text->find(label(kind)), std::string::npos) << *text;
    for (auto other : kAllKinds)
      if (other != kind && label(kind).find(label(other)) == std::string::npos) {
        EXPECT_EQ(text->find(label(other)), std::string::npos) << *text;
      }
  }
}

TEST(PageTextTest, WinterIsCetAndSummerIsCest) {
  EXPECT_NE(render_at(utc(2026, 11, 22, 13, 3)).find(shown("22-11 14:03")), std::string::npos);
  EXPECT_NE(render_at(utc(2026, 7, 15, 13, 3)).find(shown("15-07 15:03")), std::string::npos);
  EXPECT_NE(render_at(utc(2027, 1, 10, 23, 59)).find(shown("11-01 00:59")), std::string::npos);
  // The date rolls over with the local time, also at the end of the year.
  EXPECT_NE(render_at(utc(2026, 12, 31, 23, 30)).find(shown("01-01 00:30")), std::string::npos);
  EXPECT_NE(render_at(utc(2026, 6, 30, 22, 15)).find(shown("01-07 00:15")), std::string::npos);
}

TEST(PageTextTest, SwitchesAtTheEuDstInstants) {
  // 2026: summer time from Sunday 29 March 01:00 UTC to Sunday 25 October 01:00 UTC.
  const auto spring = utc(2026, 3, 29, 1, 0);
  EXPECT_NE(render_at(spring - minutes{1}).find(shown("29-03 01:59")), std::string::npos);
  EXPECT_NE(render_at(spring).find(shown("29-03 03:00")), std::string::npos);
  const auto autumn = utc(2026, 10, 25, 1, 0);
  EXPECT_NE(render_at(autumn - minutes{1}).find(shown("25-10 02:59")), std::string::npos);
  EXPECT_NE(render_at(autumn).find(shown("25-10 02:00")), std::string::npos);
  // 2024: the last Sunday of March is the 31st, of October the 27th.
  EXPECT_NE(render_at(utc(2024, 3, 31, 0, 59)).find(shown("31-03 01:59")), std::string::npos);
  EXPECT_NE(render_at(utc(2024, 3, 31, 1, 0)).find(shown("31-03 03:00")), std::string::npos);
  EXPECT_NE(render_at(utc(2024, 3, 24, 1, 0)).find(shown("24-03 02:00")), std::string::npos);
  EXPECT_NE(render_at(utc(2024, 10, 27, 0, 59)).find(shown("27-10 02:59")), std::string::npos);
  EXPECT_NE(render_at(utc(2024, 10, 27, 1, 0)).find(shown("27-10 02:00")), std::string::npos);
}

// The system's tz database as an independent oracle: around every Amsterdam
// transition from 1997 (the EU rule) to 2037, and at noon on a day of every month.
TEST(PageTextTest, AgreesWithTheTzDatabaseAroundEveryTransition) {
  const auto* zone = date::locate_zone("Europe/Amsterdam");
  auto expected = [&](Instant t) {
    const date::zoned_time<Millis> local{zone, t};
    return shown(date::format("%d-%m %H:%M", date::floor<minutes>(local.get_local_time())));
  };
  int transitions = 0;
  auto t = utc(1997, 1, 1, 0, 0);
  const auto end = utc(2037, 12, 1, 0, 0);
  while (t < end) {
    const auto info = zone->get_info(t);
    const auto next = std::chrono::time_point_cast<Millis>(info.end);
    if (next >= end) break;
    ++transitions;
    for (auto at : {next - hours{1}, next - minutes{1}, next - Millis{1}, next, next + minutes{1},
                    next + hours{1}}) {
      EXPECT_NE(render_at(at).find(expected(at)), std::string::npos)
          << date::format("%FT%TZ", at) << " → " << render_at(at);
    }
    t = next;
  }
  EXPECT_GE(transitions, 2 * 40);  // two a year
  for (int y = 2000; y <= 2036; y += 3)
    for (unsigned m = 1; m <= 12; ++m) {
      const auto at = utc(y, m, 13, 12, 34);
      EXPECT_NE(render_at(at).find(expected(at)), std::string::npos) << render_at(at);
    }
}

TEST(PageTextTest, RefusesMalformedCaseCode) {
  for (const std::string& bad : std::vector<std::string>{
           "", "C1234567", "C123456789", "c12345678", "X12345678", "C1234567a", "C1234 678",
           "C12345678\n", "\nC12345678", "C12345678 call +31612345678"}) {
    auto c = content();
    c.case_code = bad;
    EXPECT_FALSE(render_page_sms(c).has_value()) << '"' << bad << '"';
  }
}

TEST(PageTextTest, RefusesMalformedRegion) {
  for (const std::string& bad : std::vector<std::string>{
           "", "Groningen", "-groningen", "_groningen", "gron ingen", "gron/ingen", "groningen\n",
           "gr\xC3\xB6ningen", std::string(65, 'a'), "Jan Jansen, Dorpsstraat 1"}) {
    auto c = content();
    c.region = bad;
    EXPECT_FALSE(render_page_sms(c).has_value()) << '"' << bad << '"';
  }
  // The edges of the pattern are accepted.
  for (const std::string& good :
       std::vector<std::string>{"g", "0", "a-b_c", std::string(64, 'z')}) {
    auto c = content();
    c.region = good;
    EXPECT_TRUE(render_page_sms(c).has_value()) << '"' << good << '"';
  }
}

TEST(PageTextTest, RefusesMalformedAckCode) {
  for (const std::string& bad : std::vector<std::string>{
           "", "12345", "1234567", "12345a", " 123456", "123456 ", "١٢٣٤٥٦", "+31612"}) {
    auto c = content();
    c.ack_code = bad;
    EXPECT_FALSE(render_page_sms(c).has_value()) << '"' << bad << '"';
  }
  auto c = content();
  c.ack_code = "000000";
  EXPECT_TRUE(render_page_sms(c).has_value());
}

TEST(PageTextTest, LongestRegionFitsOneGsm7SegmentForEveryKind) {
  const std::string longest = "r" + std::string(62, '-') + "z";
  ASSERT_EQ(longest.size(), 64u);
  // Two-digit day and month and hour: the widest time.
  for (auto l : {Language::nl, Language::en})
    for (auto at : {utc(2026, 12, 31, 22, 59), utc(2026, 7, 31, 21, 59)}) {
      for (auto kind : kAllKinds) {
        const auto text =
            render_page_sms({"CZZZZZZZZ", kind, longest, at, "999999", PageReason::incident, l});
        ASSERT_TRUE(text.has_value()) << to_string(kind);
        EXPECT_LE(text->size(), 160u) << *text;
        EXPECT_TRUE(is_gsm7_basic(*text)) << *text;
        // The region is left out only when the text with it would not fit.
        const auto field = i18n::render(l, "sms.region", fmt::arg("region", longest));
        if (text->find(longest) == std::string::npos) {
          EXPECT_GT(text->size() + field.size(), 160u) << *text;
        }
      }
    }
}

TEST(PageTextTest, TheRegionIsLeftOutOnlyWhenItWouldNotFit) {
  auto c = content();
  c.kind = IncidentKind::ban_violation;
  c.reason = PageReason::no_first_contact;
  c.region = std::string(64, 'r');
  const auto text = render_page_sms(c);
  ASSERT_TRUE(text);
  EXPECT_EQ(text->find("regio"), std::string::npos) << *text;
  EXPECT_EQ(*text,
            "piket NOG GEEN CONTACT OVERTREDING HUISVERBOD zaak C12345678, gemeld 22-11 14:03. "
            "Antwoord 047110 om aan te nemen.");
  c.region = std::string(30, 'r');
  EXPECT_NE(render_page_sms(c)->find(" regio " + c.region + ","), std::string::npos);
}

TEST(PageTextTest, EnglishWhenTheRecipientChoseEnglish) {
  auto c = content();
  c.language = Language::en;
  EXPECT_EQ(render_page_sms(c),
            "piket HOME BAN case C12345678 region groningen, reported 22-11 14:03. Reply 047110 to "
            "acknowledge.");
  c.kind = IncidentKind::repeat_incident;
  c.reason = PageReason::escalated;
  EXPECT_EQ(page_tag(c)->brief, "ESCALATED REPEAT INCIDENT C12345678");
}

TEST(Gsm7Test, AcceptsTheAsciiPartOfTheBasicSet) {
  EXPECT_TRUE(is_gsm7_basic(""));
  EXPECT_TRUE(is_gsm7_basic("ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz 0123456789"));
  EXPECT_TRUE(is_gsm7_basic("@$!\"#%&'()*+,-./:;<=>?_"));
  EXPECT_TRUE(is_gsm7_basic("line\nnext\r"));
}

TEST(Gsm7Test, RefusesExtensionTableControlAndNonAscii) {
  // These need the escape table (two septets) or are not in GSM 03.38 at all.
  for (const std::string& bad : std::vector<std::string>{
           "[", "]", "{", "}", "\\", "^", "~", "|", "`", "\t", std::string(1, '\0'), "\x7F",
           "\xE2\x82\xAC" /* € */, "\xF0\x9F\x98\x80" /* emoji */, "ok [x]"}) {
    EXPECT_FALSE(is_gsm7_basic(bad)) << '"' << bad << '"';
  }
}

}  // namespace
}  // namespace piket::paging
