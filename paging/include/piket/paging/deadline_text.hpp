#pragma once
// The text of reminder and escalation pages from the deadline engine. Like
// render_page_sms (page_text.hpp) it is built only from typed, pattern-checked
// values — a case code, which clock, how urgent, a region id, a time and a
// reply code — so no name, phone number, household key, address or free text
// can reach a message. Times are shown in Europe/Amsterdam ("dd-mm HH:MM").
// The result always fits one 160-character GSM-7 SMS segment.
//
//   piket PLAN DUE 22-11 20:03 case C12345678 region groningen. Reply 04711 to acknowledge.
//   piket ESCALATION PLAN OVERDUE since 23-11 02:03 case C12345678 region groningen. Reply …
//   piket ESCALATION CHECK-IN REMINDER UNANSWERED since 27-11 14:00 case C12345678 region …

#include <optional>
#include <string>
#include <string_view>

#include "piket/common/clock.hpp"
#include "piket/paging/page_class.hpp"

namespace piket::paging {

enum class DeadlineClock {
  first_contact,
  plan,          // the 12-hour plan of action
  ban_decision,  // decide on extending the home ban before it ends
  ban_end,       // the home ban ends
  handover,
  checkin,  // no recorded activity within the cadence (stall)
  evaluation,
  closing,
  reassignment,  // the casemanager is absent: the team lead must reassign
};
std::string_view to_string(DeadlineClock c);

enum class DeadlineStage {
  due,         // before the deadline: a warning or reminder
  overdue,     // at or after it, to the casemanager
  escalation,  // to the team lead
  unanswered,  // to the team lead: a reminder to the casemanager was not acknowledged
};
std::string_view to_string(DeadlineStage s);

struct DeadlinePageContent {
  std::string case_code;  // ^C[0-9A-Z]{8}$
  DeadlineClock clock = DeadlineClock::plan;
  DeadlineStage stage = DeadlineStage::due;
  std::string region;  // ^[a-z0-9][a-z0-9_-]{0,63}$
  common::Instant at;  // the clock's time: when it is (or was) due
  // paging::is_reply_code (6 digits); empty for a page that is information
  // (page_class.hpp: the ban ended), whose text then ends with
  // kNoReplyNeeded instead of "Reply … to acknowledge.".
  std::string ack_code;
};

// Empty when a field breaks its pattern or the text would not fit one
// GSM-7 segment: a malformed value is never rendered.
std::optional<std::string> render_deadline_sms(const DeadlinePageContent& content);

// The page's line in a bundled SMS and its urgency: "ESC PLAN OVERDUE
// C12345678", "BAN DECISION DUE C…", "BAN ENDED C…". Empty when the case code
// breaks its pattern.
std::optional<PageTag> deadline_tag(const DeadlinePageContent& content);

// "22-11 20:03": day, month, hour and minute on the Amsterdam wall clock.
std::string format_amsterdam_short(common::Instant t);

}  // namespace piket::paging
