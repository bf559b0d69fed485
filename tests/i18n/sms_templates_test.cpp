// Every SMS piket sends or answers with, in Dutch and in English, for every
// kind, reason, clock and stage, with the longest region id the configuration
// allows ([a-z0-9][a-z0-9_-]{0,63}), the widest times and codes: one GSM-7
// segment each. And no template has a field a person's data could go in.
#include <gtest/gtest.h>

#include <array>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "piket/dispatch/capacity_alert.hpp"
#include "piket/dispatch/family_page.hpp"
#include "piket/dispatch/rota_watcher.hpp"
#include "piket/i18n/catalog.hpp"
#include "piket/i18n/message_ids.hpp"
#include "piket/inbound/family_sms.hpp"
#include "piket/inbound/sms_reply_text.hpp"
#include "piket/paging/deadline_text.hpp"
#include "piket/paging/gsm7.hpp"
#include "piket/paging/page_text.hpp"
#include "piket/paging/sms_bundle.hpp"

namespace piket::paging {
namespace {

using common::IncidentKind;
using common::Instant;
using i18n::Language;

constexpr std::array kLanguages{Language::nl, Language::en};
constexpr std::array kKinds{IncidentKind::home_ban,        IncidentKind::home_ban_extended,
                            IncidentKind::home_ban_lifted, IncidentKind::code_red,
                            IncidentKind::ban_violation,   IncidentKind::repeat_incident};
constexpr std::array kReasons{PageReason::incident, PageReason::escalated,
                              PageReason::no_first_contact};
constexpr std::array kClocks{DeadlineClock::first_contact,     DeadlineClock::plan,
                             DeadlineClock::ban_decision,      DeadlineClock::ban_end,
                             DeadlineClock::handover,          DeadlineClock::checkin,
                             DeadlineClock::evaluation,        DeadlineClock::closing,
                             DeadlineClock::reassignment,      DeadlineClock::agreement,
                             DeadlineClock::track_perpetrator, DeadlineClock::track_victim,
                             DeadlineClock::track_children,    DeadlineClock::track_other};
constexpr std::array kStages{DeadlineStage::due, DeadlineStage::overdue, DeadlineStage::escalation,
                             DeadlineStage::unanswered};

const std::string kLongestRegion = "r" + std::string(62, '-') + "z";  // 64 characters
const std::string kShortRegion = "groningen";

Instant utc(int y, unsigned m, unsigned d, int h, int min) {
  const auto day = std::chrono::sys_days{std::chrono::year{y} / m / d};
  return std::chrono::time_point_cast<common::Millis>(day + std::chrono::hours{h} +
                                                      std::chrono::minutes{min});
}
// Two-digit day, month and hour (local): the widest time a text shows.
const Instant kWidest = utc(2026, 12, 31, 22, 59);

std::string where(Language l, IncidentKind k, PageReason r, const std::string& region) {
  return std::string(to_string(l)) + " " + std::string(common::to_string(k)) + " reason " +
         std::to_string(static_cast<int>(r)) + " region " + region;
}

TEST(Gsm7Test, FitsOneSegmentUpTo160BasicCharacters) {
  EXPECT_TRUE(fits_one_segment(std::string(160, 'a')));
  EXPECT_FALSE(fits_one_segment(std::string(161, 'a')));
  EXPECT_TRUE(fits_one_segment("piket CODE ROOD zaak C12345678."));
  // e-trema is not in GSM 03.38 at all; e-acute is, but as UTF-8 it is two
  // bytes a gateway may convert: piket refuses both, and the extension table.
  for (const std::string bad : {"co\xC3\xABrdinatie", "caf\xC3\xA9", "[x]", "{x}", "a~b", "a|b",
                                "\xE2\x82\xAC"
                                "5"})
    EXPECT_FALSE(fits_one_segment(bad)) << bad;
  EXPECT_FALSE(fits_one_segment(std::string(150, 'a') + "\xC3\xAB"));
}

TEST(SmsTemplatesTest, EveryPageFitsOneSegmentInBothLanguages) {
  for (auto l : kLanguages)
    for (auto k : kKinds)
      for (auto r : kReasons)
        for (const auto& region : {kShortRegion, kLongestRegion}) {
          PageContent c{"CZZZZZZZZ", k, region, kWidest, "999999", r, l};
          const auto text = render_page_sms(c);
          ASSERT_TRUE(text) << where(l, k, r, region);
          EXPECT_TRUE(fits_one_segment(*text)) << *text;
          EXPECT_NE(text->find("CZZZZZZZZ"), std::string::npos) << *text;
          EXPECT_NE(text->find("999999"), std::string::npos) << *text;
          EXPECT_NE(text->find(kind_label(k, l)), std::string::npos) << *text;
          if (region == kShortRegion) {
            EXPECT_NE(text->find(region), std::string::npos) << *text;
          }
          const auto inform = render_inform_sms(c);
          ASSERT_TRUE(inform) << where(l, k, r, region);
          EXPECT_TRUE(fits_one_segment(*inform)) << *inform;
          if (region == kShortRegion) {
            EXPECT_NE(inform->find(region), std::string::npos);
          }
          for (const auto& tag : {page_tag(c), inform_tag(c)}) {
            ASSERT_TRUE(tag);
            EXPECT_TRUE(is_page_brief(tag->brief)) << tag->brief;
          }
        }
}

TEST(SmsTemplatesTest, EveryDeadlinePageFitsOneSegmentInBothLanguages) {
  for (auto l : kLanguages)
    for (auto clock : kClocks)
      for (auto stage : kStages)
        for (const auto& code : {std::string("999999"), std::string()})
          for (const auto& region : {kShortRegion, kLongestRegion}) {
            const DeadlinePageContent c{"CZZZZZZZZ", clock, stage, region, kWidest, code, l};
            const auto text = render_deadline_sms(c);
            ASSERT_TRUE(text) << to_string(l) << " " << to_string(clock) << " " << to_string(stage)
                              << " " << region;
            EXPECT_TRUE(fits_one_segment(*text)) << *text;
            if (region == kShortRegion) {
              EXPECT_NE(text->find(region), std::string::npos) << *text;
            }
            const auto tag = deadline_tag(c);
            ASSERT_TRUE(tag);
            EXPECT_TRUE(is_page_brief(tag->brief)) << tag->brief;
          }
}

TEST(SmsTemplatesTest, TeamLeadAndRotaNoticesFitOneSegmentInBothLanguages) {
  for (auto l : kLanguages)
    for (const auto& region : {kShortRegion, kLongestRegion}) {
      const auto capacity = dispatch::render_capacity_alert(region, kWidest, "999999", l);
      ASSERT_TRUE(capacity) << to_string(l) << " " << region;
      EXPECT_TRUE(fits_one_segment(*capacity)) << *capacity;
      if (region == kShortRegion) {
        EXPECT_NE(capacity->find(region), std::string::npos);
      }
      const std::string layer = region;  // layers have the same id pattern
      for (const auto& notice :
           {dispatch::render_handoff_notice(layer, region, kWidest, kWidest, l),
            dispatch::render_handoff_notice(layer, region, kWidest, std::nullopt, l),
            dispatch::render_gap_warning(layer, region, kWidest, kWidest, l)}) {
        ASSERT_TRUE(notice) << to_string(l) << " " << region;
        EXPECT_TRUE(fits_one_segment(*notice)) << *notice;
      }
      for (auto what : {dispatch::RotaNotice::handoff, dispatch::RotaNotice::gap})
        EXPECT_TRUE(is_page_brief(dispatch::rota_notice_tag(what, layer, kWidest, l).brief));
    }
}

TEST(SmsTemplatesTest, EveryReplyToAnSmsFitsOneSegmentInBothLanguages) {
  using inbound::SmsReply;
  for (auto l : kLanguages)
    for (auto r : {SmsReply::no_code, SmsReply::invalid, SmsReply::locked, SmsReply::acknowledged,
                   SmsReply::declined, SmsReply::already_acknowledged, SmsReply::already_declined,
                   SmsReply::taken}) {
      const auto text = inbound::sms_reply_text(r, "CZZZZZZZZ", l);
      EXPECT_TRUE(fits_one_segment(text)) << text;
      EXPECT_EQ(text.rfind("piket: ", 0), 0u) << text;
    }
}

// Issue 18: the automatic answers to a family's SMS (no "piket:": the family
// does not know the word), and they name nobody.
TEST(SmsTemplatesTest, EveryAnswerToAFamilyFitsOneSegmentInBothLanguages) {
  for (auto l : kLanguages)
    for (auto r : {inbound::FamilyReply::own, inbound::FamilyReply::duty}) {
      const auto text = inbound::family_reply_text(r, l);
      EXPECT_TRUE(fits_one_segment(text)) << text;
      EXPECT_EQ(text.find('{'), std::string::npos) << text;
    }
  // After a casemanager acknowledged the message: "received, we will contact you".
  for (auto l : kLanguages) {
    const auto text = dispatch::family_received_text(l);
    EXPECT_TRUE(fits_one_segment(text)) << text;
    EXPECT_EQ(text.find('{'), std::string::npos) << text;
  }
  EXPECT_EQ(dispatch::family_received_text(Language::nl).rfind("Ontvangen, we nemen contact", 0),
            0u);
}

// Issue 18: the page for a family's message (urgent or not, to the casemanager
// or, unanswered, to the team lead) and its bundle line.
TEST(SmsTemplatesTest, EveryFamilyMessagePageFitsOneSegmentInBothLanguages) {
  for (auto l : kLanguages)
    for (bool urgent : {false, true})
      for (bool team_lead : {false, true}) {
        const auto text = dispatch::render_family_page("CZZZZZZZZ", urgent, team_lead, "999999", l);
        ASSERT_TRUE(text) << to_string(l);
        EXPECT_TRUE(fits_one_segment(*text)) << *text;
        EXPECT_NE(text->find("CZZZZZZZZ"), std::string::npos) << *text;
        EXPECT_NE(text->find("999999"), std::string::npos) << *text;
        EXPECT_EQ(text->find(l == Language::nl ? "dringend" : "urgent") != std::string::npos,
                  urgent)
            << *text;
        const auto tag = dispatch::family_tag("CZZZZZZZZ", urgent, l);
        EXPECT_TRUE(is_page_brief(tag.brief)) << tag.brief;
      }
  EXPECT_FALSE(dispatch::render_family_page("not-a-case", false, false, "999999", Language::nl));
  EXPECT_FALSE(dispatch::render_family_page("CZZZZZZZZ", false, false, "12345", Language::nl));
}

TEST(SmsTemplatesTest, ABundleOfOnePageOfEachKindStaysWithinItsSegmentsInBothLanguages) {
  for (auto l : kLanguages) {
    std::vector<BundleItem> items;
    for (auto k : kKinds) {
      const PageContent c{"CZZZZZZZZ",           k, kLongestRegion, kWidest, "999999",
                          PageReason::escalated, l};
      items.push_back({"999999", page_tag(c)->brief, page_tag(c)->rank, kWidest});
    }
    const auto b = render_sms_bundle(items, 0, l);
    ASSERT_TRUE(b) << to_string(l);
    EXPECT_TRUE(is_gsm7_basic(b->text)) << b->text;
    EXPECT_LE(gsm7_segments(b->text), kBundleMaxSegments) << b->text;
    EXPECT_EQ(b->included.size() + b->more, items.size());
  }
}

// The fields the catalogue's texts may have: typed values (codes, ids, kinds,
// times, counts) and other catalogue texts. None is a name, phone number,
// address, household or free text: a text asking for one fails here.
// `max`: the family's contact form, a bound in characters.
TEST(SmsTemplatesTest, NoTemplateTakesAPersonField) {
  const std::set<std::string> allowed{
      "kind", "case", "region", "time", "code", "answer", "what", "phrase", "clock", "count",
      "brief", "where", "from", "until", "sms", "sms_number", "max",
      // a track's role word (track.*: "pleger"), never a person
      "track",
      // piket-plan train's trace (train.*, not an SMS): times,
      // ids, counts, a simulated staff member's id, an API
      // refusal code
      "at", "incidents", "speed", "weeks", "reference", "incident", "page", "rule", "why",
      "minutes", "type", "staff", "posted", "acknowledged", "unanswered", "for_lead", "handed_out",
      "recorded", "refused"};
  const std::regex field{R"(\{([a-z_]*)\})"};
  std::set<std::string> seen;
  for (auto l : kLanguages)
    for (auto id : i18n::kMessageIds) {
      const std::string text(i18n::text(l, id));
      for (std::sregex_iterator m(text.begin(), text.end(), field), end; m != end; ++m) {
        const std::string name = (*m)[1];
        EXPECT_TRUE(allowed.count(name)) << to_string(l) << " " << id << " takes {" << name << "}";
        seen.insert(name);
      }
    }
  for (const auto* person : {"name", "phone", "address", "household", "note", "person", "text"})
    EXPECT_FALSE(seen.count(person)) << person;
  EXPECT_TRUE(seen.count("case"));  // the check does see the fields
}

// Every text that goes out by SMS, as written in the catalogue, uses GSM-7
// basic characters only (the e-mail texts may use any).
TEST(SmsTemplatesTest, EverySmsTextInTheCatalogueIsGsm7) {
  for (auto l : kLanguages)
    for (auto id : i18n::kMessageIds) {
      if (std::string_view(id).rfind("mail.", 0) == 0) continue;
      // Without its {fields} (filled with GSM-7 values; the braces never go out).
      const std::string text(i18n::text(l, id));
      const auto bare = std::regex_replace(text, std::regex{R"(\{[a-z_]+\})"}, "");
      EXPECT_TRUE(is_gsm7_basic(bare)) << to_string(l) << " " << id << ": " << bare;
    }
}

}  // namespace
}  // namespace piket::paging
