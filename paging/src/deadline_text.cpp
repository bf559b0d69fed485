#include "piket/paging/deadline_text.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <regex>

#include "piket/common/records.hpp"
#include "piket/i18n/catalog.hpp"
#include "piket/paging/page_text.hpp"
#include "piket/paging/reply_code.hpp"

namespace piket::paging {

using common::Instant;
using common::is_case_id;
using i18n::Language;
namespace {

// The role of a track clock's track as the page names it ("pleger"); empty
// for the other clocks.
std::string_view track_id(DeadlineClock c) {
  switch (c) {
    case DeadlineClock::track_perpetrator:
      return "track.perpetrator";
    case DeadlineClock::track_victim:
      return "track.victim";
    case DeadlineClock::track_children:
      return "track.children";
    case DeadlineClock::track_other:
      return "track.other";
    default:
      return {};
  }
}

const std::regex kRegion{"^[a-z0-9][a-z0-9_-]{0,63}$"};

std::string_view clock_id(DeadlineClock c) {
  switch (c) {
    case DeadlineClock::first_contact:
      return "clock.first_contact";
    case DeadlineClock::plan:
      return "clock.plan";
    case DeadlineClock::ban_decision:
      return "clock.ban_decision";
    case DeadlineClock::ban_end:
      return "clock.ban_end";
    case DeadlineClock::handover:
      return "clock.handover";
    case DeadlineClock::checkin:
      return "clock.checkin";
    case DeadlineClock::evaluation:
      return "clock.evaluation";
    case DeadlineClock::closing:
      return "clock.closing";
    case DeadlineClock::agreement:
      return "clock.agreement";
    case DeadlineClock::track_perpetrator:
      return "clock.track_perpetrator";
    case DeadlineClock::track_victim:
      return "clock.track_victim";
    case DeadlineClock::track_children:
      return "clock.track_children";
    case DeadlineClock::track_other:
      return "clock.track_other";
    case DeadlineClock::reassignment:
      break;
  }
  return "clock.reassignment";
}

// What the page says about the clock; `t` is the formatted time.
std::string phrase(DeadlineClock c, DeadlineStage s, const std::string& t, Language l) {
  // fmt::arg keeps a reference: the values must outlive the calls below.
  const std::string_view name = i18n::text(l, clock_id(c));
  const auto at = fmt::arg("time", t);
  const auto clock = fmt::arg("clock", name);
  if (s == DeadlineStage::unanswered) return i18n::render(l, "deadline.unanswered", clock, at);
  switch (c) {
    case DeadlineClock::ban_decision:
      return i18n::render(l, "deadline.ban_decision", at);
    case DeadlineClock::ban_end:
      return i18n::render(l, s == DeadlineStage::due ? "deadline.ban_ends" : "deadline.ban_ended",
                          at);
    case DeadlineClock::reassignment:
      return i18n::render(l, "deadline.reassign", at);
    case DeadlineClock::agreement:
      if (s != DeadlineStage::due) return i18n::render(l, "deadline.agreement_overdue", at);
      break;
    case DeadlineClock::track_perpetrator:
    case DeadlineClock::track_victim:
    case DeadlineClock::track_children:
    case DeadlineClock::track_other:
      if (s != DeadlineStage::due)
        return i18n::render(l, "deadline.track_not_seen", at,
                            fmt::arg("track", i18n::text(l, track_id(c))));
      break;
    default:
      break;
  }
  return i18n::render(l, s == DeadlineStage::due ? "deadline.due" : "deadline.overdue", clock, at);
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
    case DeadlineClock::agreement:
      return "agreement";
    case DeadlineClock::track_perpetrator:
      return "track_perpetrator";
    case DeadlineClock::track_victim:
      return "track_victim";
    case DeadlineClock::track_children:
      return "track_children";
    case DeadlineClock::track_other:
      return "track_other";
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

std::string_view clock_label(DeadlineClock c, Language language) {
  return i18n::text(language, clock_id(c));
}

std::optional<std::string> render_deadline_sms(const DeadlinePageContent& c) {
  if (!is_case_id(c.case_code) || !std::regex_match(c.region, kRegion) ||
      (!c.ack_code.empty() && !is_reply_code(c.ack_code)))
    return std::nullopt;
  const auto l = c.language;
  const bool escalated =
      c.stage == DeadlineStage::escalation || c.stage == DeadlineStage::unanswered;
  const std::string what = phrase(c.clock, c.stage, format_amsterdam_short(c.at), l);
  const std::string answer = c.ack_code.empty()
                                 ? std::string(i18n::text(l, "sms.no_reply"))
                                 : i18n::render(l, "sms.reply_ack", fmt::arg("code", c.ack_code));
  return fit_with_region(l, c.region, [&](const std::string& region) {
    return i18n::render(l, escalated ? "deadline.sms_escalated" : "deadline.sms",
                        fmt::arg("phrase", what), fmt::arg("case", c.case_code),
                        fmt::arg("region", region), fmt::arg("answer", answer));
  });
}

std::optional<PageTag> deadline_tag(const DeadlinePageContent& c) {
  if (!is_case_id(c.case_code)) return std::nullopt;
  const auto l = c.language;
  const bool due = c.stage == DeadlineStage::due;
  PageTag t;
  t.rank = c.stage == DeadlineStage::escalation ? page_rank::kDeadlineEscalation
           : due                                ? page_rank::kWarning
                                                : page_rank::kReminder;
  switch (c.clock) {
    case DeadlineClock::ban_decision:
      t.brief = i18n::text(l, "tag.deadline.ban_decision");
      break;
    case DeadlineClock::ban_end:
      t.brief = i18n::text(l, due ? "tag.deadline.ban_ends" : "tag.deadline.ban_ended");
      t.rank = page_rank::kInformation;
      break;
    case DeadlineClock::reassignment:
      t.brief = i18n::text(l, "tag.deadline.reassign");
      break;
    case DeadlineClock::agreement:
      if (!due) {
        t.brief = i18n::text(l, "tag.deadline.agreement_overdue");
        break;
      }
      [[fallthrough]];
    case DeadlineClock::track_perpetrator:
    case DeadlineClock::track_victim:
    case DeadlineClock::track_children:
    case DeadlineClock::track_other:
      if (!due && !track_id(c.clock).empty()) {
        t.brief = i18n::text(l, "tag.deadline.track_not_seen");
        break;
      }
      [[fallthrough]];
    default:
      t.brief = i18n::render(l, due ? "tag.deadline.due" : "tag.deadline.overdue",
                             fmt::arg("clock", clock_label(c.clock, l)));
  }
  if (c.stage == DeadlineStage::escalation)
    t.brief = i18n::render(l, "tag.escalated", fmt::arg("what", t.brief));
  t.brief += " " + c.case_code;
  return t;
}

}  // namespace piket::paging
