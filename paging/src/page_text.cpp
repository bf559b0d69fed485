#include "piket/paging/page_text.hpp"

#include <date/date.h>

#include <regex>

#include "piket/paging/reply_code.hpp"

namespace piket::paging {

using common::IncidentKind;
using common::Instant;
using common::is_case_id;
using common::message_label;
namespace {
const std::regex kRegion{"^[a-z0-9][a-z0-9_-]{0,63}$"};
const std::regex kSmsNumber{"^[+]?[0-9A-Za-z]{1,16}$"};

// Europe/Amsterdam without a tz database: CET (+1) with CEST (+2) from the
// last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC (EU
// rule since 1996). The full rota uses date/tz; a page only needs the hour.
Instant to_amsterdam_local(Instant t) {
  using namespace date;
  const auto days = floor<date::days>(t);
  const year y = year_month_day{days}.year();
  auto last_sunday = [&](month m) {
    return sys_days{y / m / Sunday[last]} + std::chrono::hours{1};
  };
  const bool summer = t >= last_sunday(March) && t < last_sunday(October);
  return t + std::chrono::hours{summer ? 2 : 1};
}
std::string local_time_label(Instant t) {
  return date::format("%d-%m %H:%M", date::floor<std::chrono::minutes>(to_amsterdam_local(t)));
}
}  // namespace

bool is_gsm7_basic(std::string_view text) {
  static const std::string_view allowed =
      "@$\n\r _!\"#%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ"
      "abcdefghijklmnopqrstuvwxyz";
  for (char c : text)
    if (allowed.find(c) == std::string_view::npos) return false;
  return true;
}

namespace {
// The first words of a page: why it goes out.
std::string reason_lead(PageReason r) {
  switch (r) {
    case PageReason::escalated:
      return "piket ESCALATED ";
    case PageReason::no_first_contact:
      return "piket NO CONTACT YET ";
    case PageReason::incident:
      break;
  }
  return "piket ";
}
}  // namespace

std::optional<std::string> render_page_sms(const PageContent& c) {
  if (!is_case_id(c.case_code) || !std::regex_match(c.region, kRegion) ||
      !is_reply_code(c.ack_code))
    return std::nullopt;
  const std::string when = local_time_label(c.reported_at);
  const std::string lead = reason_lead(c.reason);
  std::string text = lead + std::string(message_label(c.kind)) + " case " + c.case_code +
                     " region " + c.region + " reported " + when + ". Reply " + c.ack_code +
                     " to acknowledge.";
  if (text.size() > 160 || !is_gsm7_basic(text)) return std::nullopt;
  return text;
}

std::optional<PageEmail> render_page_email(const PageContent& c, std::string_view sms_number) {
  const auto sms = render_page_sms(c);
  if (!sms || !std::regex_match(std::string(sms_number), kSmsNumber)) return std::nullopt;
  const std::string label(message_label(c.kind));
  PageEmail mail;
  const std::string lead = reason_lead(c.reason);
  mail.subject = lead + label + " case " + c.case_code;
  const std::string nl = "\r\n";
  mail.body = "piket page" + nl + nl + "Kind:     " + label + nl + "Case:     " + c.case_code + nl +
              "Region:   " + c.region + nl + "Reported: " + local_time_label(c.reported_at) +
              " (Europe/Amsterdam)" + nl + nl + "To acknowledge, reply " + c.ack_code +
              " by SMS to " + std::string(sms_number) +
              ", or acknowledge the page in the piket web app." + nl +
              "If you cannot take it, reply NO " + c.ack_code + " to pass it on at once." + nl +
              nl + "Sent automatically; replies to this e-mail are not read." + nl;
  return mail;
}

std::optional<std::string> render_inform_sms(const PageContent& c) {
  if (!is_case_id(c.case_code) || !std::regex_match(c.region, kRegion)) return std::nullopt;
  const auto local = to_amsterdam_local(c.reported_at);
  const std::string when = date::format("%d-%m %H:%M", date::floor<std::chrono::minutes>(local));
  std::string text = "piket FYI " + std::string(message_label(c.kind)) + " in your case " +
                     c.case_code + " region " + c.region + " " + when + " went to on-call. " +
                     std::string(kNoReplyNeeded);
  if (text.size() > 160 || !is_gsm7_basic(text)) return std::nullopt;
  return text;
}

namespace {
// Incidents by kind, after code red (page_rank::kIncident + this).
int kind_order(IncidentKind k) {
  switch (k) {
    case IncidentKind::code_red:
      return 0;
    case IncidentKind::ban_violation:
      return 1;
    case IncidentKind::home_ban:
      return 2;
    case IncidentKind::home_ban_extended:
      return 3;
    case IncidentKind::repeat_incident:
      return 4;
    case IncidentKind::home_ban_lifted:
      return 5;
  }
  return 9;
}
}  // namespace

std::optional<PageTag> page_tag(const PageContent& c) {
  if (!is_case_id(c.case_code)) return std::nullopt;
  const std::string label(message_label(c.kind));
  const bool red = c.kind == IncidentKind::code_red;
  PageTag t;
  switch (c.reason) {
    case PageReason::escalated:
      t.brief = "ESC " + label;
      t.rank = red ? page_rank::kEscalatedCodeRed : page_rank::kEscalated;
      break;
    case PageReason::no_first_contact:
      t.brief = "NO CONTACT " + label;
      t.rank = red ? page_rank::kCodeRed : page_rank::kNoFirstContact;
      break;
    case PageReason::incident:
      t.brief = label;
      t.rank = red ? page_rank::kCodeRed : page_rank::kIncident + kind_order(c.kind);
      break;
  }
  t.brief += " " + c.case_code;
  return t;
}

std::optional<PageTag> inform_tag(const PageContent& c) {
  if (!is_case_id(c.case_code)) return std::nullopt;
  return PageTag{"FYI " + std::string(message_label(c.kind)) + " " + c.case_code,
                 page_rank::kInformation};
}

PageEmail render_notice_email(std::string_view sms_text) {
  const std::string nl = "\r\n";
  PageEmail mail;
  mail.subject = "piket info";
  mail.body = "piket notice (for information)" + nl + nl + std::string(sms_text) + nl + nl +
              "No reply is needed. Sent automatically; replies to this e-mail are not read." + nl;
  return mail;
}

}  // namespace piket::paging
