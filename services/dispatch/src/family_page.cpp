#include "piket/dispatch/family_page.hpp"

#include <algorithm>

#include "piket/common/records.hpp"
#include "piket/i18n/catalog.hpp"
#include "piket/paging/gsm7.hpp"
#include "piket/paging/reply_code.hpp"
#include "piket/rota/wall_clock.hpp"

namespace piket::dispatch {

common::Instant family_deadline(common::Instant at, bool urgent, const FamilyPolicy& p) {
  if (urgent) return at + std::min(p.urgent, p.longest);
  // The next morning_hour:00 on the Amsterdam clock after `at`.
  const auto local = rota::to_local(at);
  const auto day = date::floor<date::days>(local);
  auto morning = day + std::chrono::hours{p.morning_hour};
  if (morning <= local) morning += date::days{1};
  return std::min(rota::to_instant(rota::LocalTime{morning}), at + p.longest);
}

std::string_view to_string(FamilyAction a) {
  switch (a) {
    case FamilyAction::page:
      return "page";
    case FamilyAction::team_lead:
      return "team_lead";
    case FamilyAction::acknowledged:
      return "acknowledged";
    case FamilyAction::unanswered:
      return "unanswered";
    case FamilyAction::later:
      break;
  }
  return "later";
}

FamilyStep next_family_step(const FamilyRoute& r, common::Instant now, const FamilyPolicy& p) {
  if (!r.paged) {
    const auto deadline = family_deadline(r.at, r.urgent, p);
    return {FamilyAction::page, std::min(deadline, now + p.check_every)};
  }
  if (r.acknowledged_by) return {FamilyAction::acknowledged, std::nullopt};
  const auto deadline = r.deadline.value_or(family_deadline(r.at, r.urgent, p));
  if (!r.escalated) {
    if (now >= deadline || r.first_refused) return {FamilyAction::team_lead, now + p.check_every};
    return {FamilyAction::later, std::min(deadline, now + p.check_every)};
  }
  if (now >= *r.escalated + p.watch) return {FamilyAction::unanswered, std::nullopt};
  return {FamilyAction::later, std::min(*r.escalated + p.watch, now + p.check_every)};
}

std::optional<std::string> render_family_page(std::string_view case_code, bool urgent,
                                              bool team_lead, std::string_view reply_code,
                                              i18n::Language language) {
  if (!common::is_case_id(case_code) || !paging::is_reply_code(reply_code)) return std::nullopt;
  const char* id = team_lead ? (urgent ? "page.family_unanswered_urgent" : "page.family_unanswered")
                             : (urgent ? "page.family_urgent" : "page.family");
  auto text = i18n::render(
      language, id, fmt::arg("case", case_code),
      fmt::arg("answer", i18n::render(language, "sms.reply_ack", fmt::arg("code", reply_code))));
  if (!paging::fits_one_segment(text)) return std::nullopt;
  return text;
}

paging::PageTag family_tag(std::string_view case_code, bool urgent, i18n::Language language) {
  return {i18n::render(language, urgent ? "tag.family_urgent" : "tag.family",
                       fmt::arg("case", case_code)),
          urgent ? paging::page_rank::kDeadlineEscalation : paging::page_rank::kReminder};
}

std::string family_received_text(i18n::Language language) {
  return std::string(i18n::text(language, "family.reply.received"));
}

}  // namespace piket::dispatch
