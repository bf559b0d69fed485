// Which pages ask for an answer (paging/page_class.hpp) — every producer's
// rules — and the texts and bundle lines of the pages that are information.
#include "piket/paging/page_class.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "piket/paging/deadline_text.hpp"
#include "piket/paging/page_text.hpp"

namespace piket::paging {
namespace {

using common::from_epoch_ms;
using common::IncidentKind;

TEST(PageClass, EveryProducersRulesAreClassified) {
  // dispatch's first page (the rota's selection rules) and every escalation step.
  for (const char* rule : {"own_casemanager", "on_call", "backup", "team_lead"})
    EXPECT_EQ(page_need(rule), PageNeed::answer) << rule;
  // The escalation's re-page: acknowledged, nobody went out yet.
  EXPECT_EQ(page_need("forgotten"), PageNeed::answer);
  // dispatch's FYI to the own casemanager off duty; the rota watcher's notices.
  for (const char* rule : {"inform", "handoff_notice", "gap_warning", "family_reply"})
    EXPECT_EQ(page_need(rule), PageNeed::information) << rule;
  // The deadline engine: "deadline:<clock>:<step>" — only the ban's end is information.
  EXPECT_EQ(page_need("deadline:home_ban:end"), PageNeed::information);
  for (const char* rule :
       {"deadline:home_ban:decision", "deadline:first_contact:overdue",
        "deadline:first_contact:escalate", "deadline:plan:warn_8h", "deadline:plan:escalate",
        "deadline:handover:warn", "deadline:handover:escalate", "deadline:checkin:remind",
        "deadline:checkin:escalate", "deadline:checkin:escalate_2", "deadline:evaluation:remind",
        "deadline:evaluation:escalate", "deadline:closing:remind", "deadline:closing:escalate",
        "deadline:reassignment:reassign"})
    EXPECT_EQ(page_need(rule), PageNeed::answer) << rule;
  // The acknowledgement clock's page, from before paging owned acknowledgement,
  // may still be open after the upgrade: it still asks for an answer.
  EXPECT_EQ(page_need("deadline:acknowledgement:escalate"), PageNeed::answer);
  // A rule nobody classified asks for an answer: never silently left alone.
  EXPECT_EQ(page_need("cap_exhausted"), PageNeed::answer);
  EXPECT_EQ(page_need(""), PageNeed::answer);
  EXPECT_TRUE(is_informational("inform"));
  EXPECT_FALSE(is_informational("on_call"));
}

TEST(PageClass, BriefsAreShortUpperCaseGsm7Lines) {
  EXPECT_TRUE(is_page_brief("ESC CODE RED C12345678"));
  EXPECT_TRUE(is_page_brief("ROTA GAP team_lead Mon 23-11 08:00"));
  EXPECT_TRUE(is_page_brief(std::string(48, 'A')));
  EXPECT_FALSE(is_page_brief(std::string(49, 'A')));
  EXPECT_FALSE(is_page_brief(""));
  EXPECT_FALSE(is_page_brief("home ban"));
  EXPECT_FALSE(is_page_brief("HOME BAN; 123456 X"));
  EXPECT_FALSE(is_page_brief("NAAM \xC3\xAB"));  // ë
}

const std::string kNoReplyNeeded = "Geen antwoord nodig.";

PageContent content(IncidentKind kind, PageReason reason = PageReason::incident) {
  return {"C12345678", kind, std::string(32, 'r'), from_epoch_ms(1795870800000), "", reason};
}

TEST(PageClass, TheNoticeIsInformationWithoutACodeAndFitsOneSegment) {
  for (auto kind :
       {IncidentKind::home_ban, IncidentKind::home_ban_extended, IncidentKind::home_ban_lifted,
        IncidentKind::code_red, IncidentKind::ban_violation, IncidentKind::repeat_incident}) {
    const auto text = render_inform_sms(content(kind));
    ASSERT_TRUE(text) << to_string(kind);
    EXPECT_LE(text->size(), 160u) << *text;
    EXPECT_TRUE(is_gsm7_basic(*text));
    EXPECT_EQ(text->find("Antwoord"), std::string::npos) << *text;
    EXPECT_EQ(text->substr(text->size() - kNoReplyNeeded.size()), kNoReplyNeeded) << *text;
    const auto tag = inform_tag(content(kind));
    ASSERT_TRUE(tag);
    EXPECT_EQ(tag->brief,
              "INFO " + std::string(kind_label(kind, i18n::Language::nl)) + " C12345678");
    EXPECT_EQ(tag->rank, page_rank::kInformation);
  }
}

TEST(PageClass, IncidentPageLinesAndRanks) {
  auto t = page_tag(content(IncidentKind::code_red, PageReason::escalated));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->brief, "OPGESCHAALD CODE ROOD C12345678");
  EXPECT_EQ(t->rank, page_rank::kEscalatedCodeRed);
  t = page_tag(content(IncidentKind::code_red));
  EXPECT_EQ(t->brief, "CODE ROOD C12345678");
  EXPECT_EQ(t->rank, page_rank::kCodeRed);
  t = page_tag(content(IncidentKind::ban_violation, PageReason::escalated));
  EXPECT_EQ(t->brief, "OPGESCHAALD OVERTREDING HUISVERBOD C12345678");
  EXPECT_EQ(t->rank, page_rank::kEscalated);
  t = page_tag(content(IncidentKind::home_ban, PageReason::no_first_contact));
  EXPECT_EQ(t->brief, "GEEN CONTACT HUISVERBOD C12345678");
  EXPECT_EQ(t->rank, page_rank::kNoFirstContact);
  // By kind after that: a ban violation before a new home ban before a lifted one.
  const auto rank = [](IncidentKind k) { return page_tag(content(k))->rank; };
  EXPECT_LT(rank(IncidentKind::ban_violation), rank(IncidentKind::home_ban));
  EXPECT_LT(rank(IncidentKind::home_ban), rank(IncidentKind::home_ban_lifted));
  EXPECT_LT(page_rank::kNoFirstContact, rank(IncidentKind::ban_violation));
  EXPECT_LT(rank(IncidentKind::home_ban_lifted), page_rank::kReminder);
  auto bad = content(IncidentKind::home_ban);
  bad.case_code = "hh-1234";
  EXPECT_FALSE(page_tag(bad));
  EXPECT_FALSE(inform_tag(bad));
}

TEST(PageClass, TheBanEndedIsInformationAndEveryOtherDeadlinePageAsksForAnAnswer) {
  DeadlinePageContent c{"C12345678",          DeadlineClock::ban_end,       DeadlineStage::overdue,
                        std::string(32, 'r'), from_epoch_ms(1795870800000), ""};
  auto text = render_deadline_sms(c);
  ASSERT_TRUE(text);
  EXPECT_EQ(text->rfind("piket HUISVERBOD AFGELOPEN ", 0), 0u) << *text;
  EXPECT_EQ(text->find("Antwoord"), std::string::npos) << *text;
  EXPECT_EQ(text->substr(text->size() - kNoReplyNeeded.size()), kNoReplyNeeded) << *text;
  EXPECT_LE(text->size(), 160u);
  EXPECT_TRUE(is_gsm7_basic(*text));
  auto t = deadline_tag(c);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->brief, "HUISVERBOD AFGELOPEN C12345678");
  EXPECT_EQ(t->rank, page_rank::kInformation);

  c.clock = DeadlineClock::ban_decision;
  c.stage = DeadlineStage::due;
  c.ack_code = "047110";
  text = render_deadline_sms(c);
  ASSERT_TRUE(text);
  EXPECT_NE(text->find("Antwoord 047110 om aan te nemen."), std::string::npos) << *text;
  EXPECT_EQ(deadline_tag(c)->brief, "BESLUIT VERLENGING NODIG C12345678");
  c.clock = DeadlineClock::plan;
  c.stage = DeadlineStage::escalation;
  EXPECT_EQ(deadline_tag(c)->brief, "OPGESCHAALD PLAN VAN AANPAK TE LAAT C12345678");
  EXPECT_EQ(deadline_tag(c)->rank, page_rank::kDeadlineEscalation);
  c.clock = DeadlineClock::checkin;
  c.stage = DeadlineStage::overdue;
  EXPECT_EQ(deadline_tag(c)->brief, "CONTACTMOMENT TE LAAT C12345678");
  EXPECT_EQ(deadline_tag(c)->rank, page_rank::kReminder);
  c.clock = DeadlineClock::reassignment;
  c.stage = DeadlineStage::escalation;
  EXPECT_EQ(deadline_tag(c)->brief, "OPGESCHAALD AFWEZIG, WIJS OPNIEUW TOE C12345678");
  // Every clock and stage gives a valid line.
  for (auto clock :
       {DeadlineClock::first_contact, DeadlineClock::plan, DeadlineClock::ban_decision,
        DeadlineClock::ban_end, DeadlineClock::handover, DeadlineClock::checkin,
        DeadlineClock::evaluation, DeadlineClock::closing, DeadlineClock::reassignment})
    for (auto stage : {DeadlineStage::due, DeadlineStage::overdue, DeadlineStage::escalation}) {
      c.clock = clock;
      c.stage = stage;
      const auto tag = deadline_tag(c);
      ASSERT_TRUE(tag);
      EXPECT_TRUE(is_page_brief(tag->brief)) << tag->brief;
    }
}

TEST(PageClass, TheNoticeEmailSaysNoReplyIsNeeded) {
  const std::string sms = "piket HUISVERBOD AFGELOPEN 22-11 20:03 zaak C12345678.";
  const auto mail = render_notice_email(sms, i18n::Language::nl);
  EXPECT_EQ(mail.subject, "piket info");
  EXPECT_NE(mail.body.find(sms), std::string::npos);
  EXPECT_NE(mail.body.find("Geen antwoord nodig."), std::string::npos);
  EXPECT_EQ(mail.body.find("aannemen"), std::string::npos);
  const auto en =
      render_notice_email("piket BAN ENDED 22-11 20:03 case C12345678.", i18n::Language::en);
  EXPECT_NE(en.body.find("No reply is needed."), std::string::npos);
  EXPECT_EQ(en.body.find("acknowledge"), std::string::npos);
}

}  // namespace
}  // namespace piket::paging
