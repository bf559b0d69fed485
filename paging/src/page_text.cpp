#include "piket/paging/page_text.hpp"

#include <date/date.h>

#include <regex>

#include "piket/i18n/catalog.hpp"
#include "piket/paging/reply_code.hpp"

namespace piket::paging {

using common::IncidentKind;
using common::Instant;
using common::is_case_id;
using i18n::Language;
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

namespace {
std::string_view reason_pattern(PageReason r) {
  switch (r) {
    case PageReason::escalated:
      return "page.escalated";
    case PageReason::no_first_contact:
      return "page.no_contact";
    case PageReason::incident:
      break;
  }
  return "page.incident";
}
}  // namespace

std::string_view kind_label(IncidentKind k, Language l) {
  switch (k) {
    case IncidentKind::home_ban:
      return i18n::text(l, "kind.home_ban");
    case IncidentKind::home_ban_extended:
      return i18n::text(l, "kind.home_ban_extended");
    case IncidentKind::home_ban_lifted:
      return i18n::text(l, "kind.home_ban_lifted");
    case IncidentKind::code_red:
      return i18n::text(l, "kind.code_red");
    case IncidentKind::ban_violation:
      return i18n::text(l, "kind.ban_violation");
    case IncidentKind::repeat_incident:
      break;
  }
  return i18n::text(l, "kind.repeat_incident");
}

std::optional<std::string> fit_with_region(
    Language l, std::string_view region,
    const std::function<std::string(const std::string& region_field)>& render) {
  std::string text = render(i18n::render(l, "sms.region", fmt::arg("region", region)));
  if (fits_one_segment(text)) return text;
  text = render("");
  if (fits_one_segment(text)) return text;
  return std::nullopt;
}

std::optional<std::string> render_page_sms(const PageContent& c) {
  if (!is_case_id(c.case_code) || !std::regex_match(c.region, kRegion) ||
      !is_reply_code(c.ack_code))
    return std::nullopt;
  const auto l = c.language;
  const std::string answer = i18n::render(l, "sms.reply_ack", fmt::arg("code", c.ack_code));
  return fit_with_region(l, c.region, [&](const std::string& region) {
    return i18n::render(l, reason_pattern(c.reason), fmt::arg("kind", kind_label(c.kind, l)),
                        fmt::arg("case", c.case_code), fmt::arg("region", region),
                        fmt::arg("time", local_time_label(c.reported_at)),
                        fmt::arg("answer", answer));
  });
}

namespace {
// A catalogue text with "\n" line ends as an e-mail body (CRLF).
std::string crlf(const std::string& text) {
  std::string out;
  for (char ch : text) {
    if (ch == '\n') out += '\r';
    out += ch;
  }
  return out + "\r\n";
}
}  // namespace

std::optional<PageEmail> render_page_email(const PageContent& c, std::string_view sms_number) {
  const auto sms = render_page_sms(c);
  const auto tag = page_tag(c);
  if (!sms || !tag || !std::regex_match(std::string(sms_number), kSmsNumber)) return std::nullopt;
  const auto l = c.language;
  PageEmail mail;
  mail.subject = "piket " + tag->brief;
  mail.body = crlf(i18n::render(l, "mail.page.body", fmt::arg("kind", kind_label(c.kind, l)),
                                fmt::arg("case", c.case_code), fmt::arg("region", c.region),
                                fmt::arg("time", local_time_label(c.reported_at)),
                                fmt::arg("code", c.ack_code), fmt::arg("sms_number", sms_number)));
  return mail;
}

std::optional<std::string> render_inform_sms(const PageContent& c) {
  if (!is_case_id(c.case_code) || !std::regex_match(c.region, kRegion)) return std::nullopt;
  const auto l = c.language;
  const std::string answer(i18n::text(l, "sms.no_reply"));
  return fit_with_region(l, c.region, [&](const std::string& region) {
    return i18n::render(l, "page.inform", fmt::arg("kind", kind_label(c.kind, l)),
                        fmt::arg("case", c.case_code), fmt::arg("region", region),
                        fmt::arg("time", local_time_label(c.reported_at)),
                        fmt::arg("answer", answer));
  });
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
  const auto l = c.language;
  const std::string_view label = kind_label(c.kind, l);
  const bool red = c.kind == IncidentKind::code_red;
  PageTag t;
  switch (c.reason) {
    case PageReason::escalated:
      t.brief = i18n::render(l, "tag.escalated", fmt::arg("what", label));
      t.rank = red ? page_rank::kEscalatedCodeRed : page_rank::kEscalated;
      break;
    case PageReason::no_first_contact:
      t.brief = i18n::render(l, "tag.no_contact", fmt::arg("what", label));
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
  return PageTag{
      i18n::render(c.language, "tag.inform", fmt::arg("what", kind_label(c.kind, c.language))) +
          " " + c.case_code,
      page_rank::kInformation};
}

PageEmail render_notice_email(std::string_view sms_text, Language l) {
  PageEmail mail;
  mail.subject = i18n::text(l, "mail.notice.subject");
  mail.body = crlf(i18n::render(l, "mail.notice.body", fmt::arg("sms", sms_text)));
  return mail;
}

}  // namespace piket::paging
