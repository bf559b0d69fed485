#include "piket/paging/deadline_text.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <regex>

#include "piket/common/records.hpp"
#include "piket/paging/page_text.hpp"
#include "piket/paging/reply_code.hpp"

namespace piket::paging {

using common::Instant;
using common::is_case_id;
namespace {

const std::regex kRegion{"^[a-z0-9][a-z0-9_-]{0,63}$"};

std::string_view label(DeadlineClock c) {
  switch (c) {
    case DeadlineClock::first_contact:
      return "CONTACT";
    case DeadlineClock::plan:
      return "PLAN";
    case DeadlineClock::ban_decision:
      return "BAN DECISION";
    case DeadlineClock::ban_end:
      return "BAN END";
    case DeadlineClock::handover:
      return "HANDOVER";
    case DeadlineClock::checkin:
      return "CHECK-IN";
    case DeadlineClock::evaluation:
      return "EVALUATION";
    case DeadlineClock::closing:
      return "CLOSING";
    case DeadlineClock::reassignment:
      return "REASSIGN";
  }
  return "DEADLINE";
}

// What the page says about the clock; `t` is the formatted time.
std::string phrase(DeadlineClock c, DeadlineStage s, const std::string& t) {
  if (s == DeadlineStage::unanswered)
    return std::string(label(c)) + " REMINDER UNANSWERED since " + t;
  switch (c) {
    case DeadlineClock::ban_decision:
      return "BAN ENDS " + t + ", EXTENSION DECISION DUE";
    case DeadlineClock::ban_end:
      return s == DeadlineStage::due ? "BAN ENDS " + t : "BAN ENDED " + t;
    case DeadlineClock::reassignment:
      return "ICM ABSENT since " + t + ", REASSIGN";
    default:
      break;
  }
  const std::string l(label(c));
  return s == DeadlineStage::due ? l + " DUE " + t : l + " OVERDUE since " + t;
}

}  // namespace

std::string_view to_string(DeadlineClock c) {
  switch (c) {
    case DeadlineClock::first_contact:
      return "first_contact";
    case DeadlineClock::plan:
      return "plan";
    case DeadlineClock::ban_decision:
      return "ban_decision";
    case DeadlineClock::ban_end:
      return "ban_end";
    case DeadlineClock::handover:
      return "handover";
    case DeadlineClock::checkin:
      return "checkin";
    case DeadlineClock::evaluation:
      return "evaluation";
    case DeadlineClock::closing:
      return "closing";
    case DeadlineClock::reassignment:
      return "reassignment";
  }
  return "unknown";
}

std::string_view to_string(DeadlineStage s) {
  switch (s) {
    case DeadlineStage::due:
      return "due";
    case DeadlineStage::overdue:
      return "overdue";
    case DeadlineStage::escalation:
      return "escalation";
    case DeadlineStage::unanswered:
      return "unanswered";
  }
  return "unknown";
}

std::string format_amsterdam_short(Instant t) {
  static const date::time_zone* zone = date::locate_zone("Europe/Amsterdam");
  const auto local = zone->to_local(date::floor<std::chrono::minutes>(t));
  return date::format("%d-%m %H:%M", local);
}

std::optional<std::string> render_deadline_sms(const DeadlinePageContent& c) {
  if (!is_case_id(c.case_code) || !std::regex_match(c.region, kRegion) ||
      (!c.ack_code.empty() && !is_reply_code(c.ack_code)))
    return std::nullopt;
  std::string text = "piket ";
  if (c.stage == DeadlineStage::escalation || c.stage == DeadlineStage::unanswered)
    text += "ESCALATION ";
  text += phrase(c.clock, c.stage, format_amsterdam_short(c.at)) + " case " + c.case_code +
          " region " + c.region + ". ";
  text +=
      c.ack_code.empty() ? std::string(kNoReplyNeeded) : "Reply " + c.ack_code + " to acknowledge.";
  if (text.size() > 160 || !is_gsm7_basic(text)) return std::nullopt;
  return text;
}

std::optional<PageTag> deadline_tag(const DeadlinePageContent& c) {
  if (!is_case_id(c.case_code)) return std::nullopt;
  const bool due = c.stage == DeadlineStage::due;
  PageTag t;
  t.rank = c.stage == DeadlineStage::escalation ? page_rank::kDeadlineEscalation
           : due                                ? page_rank::kWarning
                                                : page_rank::kReminder;
  switch (c.clock) {
    case DeadlineClock::ban_decision:
      t.brief = "BAN DECISION DUE";
      break;
    case DeadlineClock::ban_end:
      t.brief = due ? "BAN ENDS" : "BAN ENDED";
      t.rank = page_rank::kInformation;
      break;
    case DeadlineClock::reassignment:
      t.brief = "ICM ABSENT, REASSIGN";
      break;
    default:
      t.brief = std::string(label(c.clock)) + (due ? " DUE" : " OVERDUE");
  }
  if (c.stage == DeadlineStage::escalation) t.brief = "ESC " + t.brief;
  t.brief += " " + c.case_code;
  return t;
}

}  // namespace piket::paging
