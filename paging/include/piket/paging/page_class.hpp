#pragma once
// Which pages ask for an answer, and how urgent a page is next to others.
//
// Every page carries the `rule` its producer wrote (docs/paging.md, "Which
// pages ask for an answer"). A page asks for an answer when somebody has to
// act on it and nobody acting must lead somewhere (an escalation, a
// reminder, the team lead). A page is information when nobody waits for its
// recipient: it carries no reply code, is never escalated or re-sent for want
// of an answer, and never shows as unanswered. A rule this file does not know
// asks for an answer: a page nobody classified is never silently left alone.
//
//   answer       own_casemanager, on_call, backup, team_lead (dispatch's first
//                page and every escalation step), forgotten (re-page: no first
//                contact), deadline:<clock>:<step> except the ones below
//   information  inform (FYI to the family's own casemanager, off duty),
//                handoff_notice, gap_warning (rota notices),
//                deadline:home_ban:end (the ban ended), family_reply (the
//                answers to a family's SMS, to the number that wrote: issue 18)
//
// Urgency (`rank`, 0 first) orders the pages of a bundled SMS: code red and
// escalations first, then incidents by kind, then deadline reminders, then
// information.

#include <string>
#include <string_view>

namespace piket::paging {

enum class PageNeed { answer, information };

PageNeed page_need(std::string_view rule);
inline bool is_informational(std::string_view rule) {
  return page_need(rule) == PageNeed::information;
}

// Ranks of the urgency order (lower goes first in a bundle).
namespace page_rank {
inline constexpr int kEscalatedCodeRed = 0;
inline constexpr int kCodeRed = 1;
inline constexpr int kEscalated = 2;           // an incident's escalation step
inline constexpr int kDeadlineEscalation = 3;  // a deadline escalation to the team lead
inline constexpr int kNoFirstContact = 4;      // acknowledged, nobody went out yet
inline constexpr int kIncident = 10;           // + the kind's order (page_text.cpp)
inline constexpr int kReminder = 30;           // deadline: overdue
inline constexpr int kWarning = 31;            // deadline: due soon
inline constexpr int kInformation = 90;
}  // namespace page_rank

// What a page shows in a bundled SMS and where it goes in it: a short label
// (`brief`, e.g. "ESC CODE RED C12345678"; is_page_brief, no person
// data: built from the same typed values as the page's text) and its rank.
struct PageTag {
  std::string brief;
  int rank = page_rank::kIncident;
};

// ^[A-Z0-9][A-Za-z0-9 ,:._-]{0,47}$ — what a brief may look like (GSM-7).
bool is_page_brief(std::string_view brief);

}  // namespace piket::paging
