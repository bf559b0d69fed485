#pragma once
// Why a page reached the team lead, in codes the board puts in words: a page
// before it was declined or not answered, or a clock ran out. Pure: the
// case's pages in, codes out (API codes stay English).

#include <string>
#include <string_view>
#include <vector>

#include "piket/access/need_to_know.hpp"
#include "piket/web/case_repository.hpp"

namespace piket::web {

struct EscalationCause {
  // The clock that ran out, as the board names clocks (ban_decision, ban_end,
  // plan, …); empty when the escalation is a page nobody took.
  std::string clock;
  std::string why;  // declined | unanswered | overdue
};

// From a page's rule: "deadline:<clock>:<step>" (the deadline engine; a
// step ending "_unanswered" is a reminder the casemanager did not
// acknowledge) or a paging rule. A home ban's clock is two things: the
// extension decision (steps "decision…") and the ban's end ("end…").
EscalationCause deadline_cause(std::string_view rule);

// For a page that is not the deadline engine's: "declined" when the last
// page of the same incident sent before it was declined, else "unanswered".
std::string page_cause(const std::vector<PageSummary>& pages, const PageSummary& escalation);

// Not answered yet: not information, not acknowledged, declined or stood down.
bool unanswered(const PageSummary& p);
// The same from what access checks read of a case's pages (one read per
// case); information is told by the page's rule (paging/page_class.hpp).
bool unanswered(const access::PageFact& p);

}  // namespace piket::web
