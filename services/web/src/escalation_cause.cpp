#include "piket/web/escalation_cause.hpp"

#include "piket/paging/page_class.hpp"

namespace piket::web {

EscalationCause deadline_cause(std::string_view rule) {
  constexpr std::string_view prefix = "deadline:";
  if (rule.substr(0, prefix.size()) != prefix) return {};
  rule.remove_prefix(prefix.size());
  const auto colon = rule.find(':');
  const auto clock = rule.substr(0, colon);
  const auto step = colon == std::string_view::npos ? std::string_view{} : rule.substr(colon + 1);
  constexpr std::string_view unanswered_suffix = "_unanswered";
  const bool reminder_unanswered =
      step.size() >= unanswered_suffix.size() &&
      step.substr(step.size() - unanswered_suffix.size()) == unanswered_suffix;
  EscalationCause c;
  c.why = reminder_unanswered ? "unanswered" : "overdue";
  if (clock == "home_ban")
    c.clock = step.substr(0, 8) == "decision" ? "ban_decision" : "ban_end";
  else
    c.clock = std::string(clock);
  return c;
}

std::string page_cause(const std::vector<PageSummary>& pages, const PageSummary& escalation) {
  const PageSummary* before = nullptr;
  for (const auto& p : pages) {
    if (p.id == escalation.id || p.info || p.incident != escalation.incident) continue;
    if (p.created_at > escalation.created_at) continue;
    if (!before || p.created_at >= before->created_at) before = &p;
  }
  return before && before->declined_at ? "declined" : "unanswered";
}

bool unanswered(const PageSummary& p) {
  return !p.info && !p.acknowledged_at && !p.declined_at && p.state != "cancelled";
}

bool unanswered(const access::PageFact& p) {
  return !paging::is_informational(p.rule) && !p.acknowledged_at && !p.declined &&
         p.state != "cancelled";
}

}  // namespace piket::web
