#include "piket/cases/case_audit.hpp"

#include "piket/common/time_format.hpp"

namespace piket::cases {
namespace {

std::string role_name(rota::StaffRole r) {
  switch (r) {
    case rota::StaffRole::casemanager:
      return "casemanager";
    case rota::StaffRole::team_lead:
      return "team_lead";
    case rota::StaffRole::admin:
      return "admin";
  }
  return "-";
}

web::AuditRecord allowed(const Actor& actor, std::string action, const std::string& case_id,
                         std::string reason, std::string from) {
  web::AuditRecord a;
  a.who = actor.person;
  a.role = role_name(actor.role);
  a.action = std::move(action);
  a.target = case_id;
  a.outcome = "allowed";
  a.reason = std::move(reason);
  a.from = from.empty() ? "-" : std::move(from);
  return a;
}

}  // namespace

web::AuditRecord track_audit(const Actor& actor, const std::string& case_id, const TrackWrite& w,
                             std::string from) {
  const auto& r = w.record;
  std::string what =
      "track " + std::string(to_string(r.track)) + " " + std::string(to_string(w.mark));
  std::optional<common::Instant> at;
  switch (w.mark) {
    case TrackMark::first_contact:
      at = r.first_contact_at;
      break;
    case TrackMark::intake:
      at = r.intake_at;
      break;
    case TrackMark::not_applicable:
      if (r.not_applicable) what += " " + std::string(to_string(*r.not_applicable));
      at = r.not_applicable_at;
      break;
  }
  if (at) what += " at " + common::format_rfc3339(*at);
  return allowed(actor, "case.track", case_id, std::move(what), std::move(from));
}

web::AuditRecord agreement_audit(const Actor& actor, const std::string& case_id,
                                 const AgreementWrite& w, std::string from) {
  const auto& a = w.agreement;
  std::string what = "agreement " + a.id + " " + std::string(to_string(a.state));
  if (!w.fresh && a.changed_at) what += " at " + common::format_rfc3339(*a.changed_at);
  return allowed(actor, w.fresh ? "case.agreement" : "case.agreement_state", case_id,
                 std::move(what), std::move(from));
}

}  // namespace piket::cases
