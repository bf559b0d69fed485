#include "piket/access/need_to_know.hpp"

#include <algorithm>

namespace piket::access {
namespace {

CaseDecision allow(const char* code, std::string why) {
  return {true, code, std::move(why)};
}
CaseDecision refuse(const char* code, std::string why) {
  return {false, code, std::move(why)};
}

bool serves(const CaseCaller& c, std::string_view region) {
  return std::find(c.regions.begin(), c.regions.end(), region) != c.regions.end();
}

// A page stands while it may still send its person out: not declined, not
// stood down, not failed or suppressed as a duplicate.
bool stands(const PageFact& p) {
  if (p.declined || p.state == "declined") return false;
  return p.state != "cancelled" && p.state != "failed" && p.state != "duplicate";
}

}  // namespace

std::string_view to_string(CaseAction a) {
  switch (a) {
    case CaseAction::read:
      return "read";
    case CaseAction::record:
      return "record";
    case CaseAction::reassign:
      return "reassign";
  }
  return "read";
}

const PageFact* standing_page(const CaseFacts& facts, std::string_view person,
                              common::Instant now) {
  for (const auto& p : facts.pages) {
    if (p.person != person || p.rule == "inform" || !stands(p)) continue;
    // The window runs from the acknowledgement once answered, else from the
    // page itself; a page without a time opens nothing.
    const auto& from = p.acknowledged_at ? p.acknowledged_at : p.created_at;
    if (from && now < *from + kResponderWindow) return &p;
  }
  return nullptr;
}

CaseDecision may(const CaseCaller& caller, const CaseFacts& facts, CaseAction action,
                 common::Instant now) {
  if (caller.role == rota::StaffRole::admin)
    return refuse("no_case_access", "admins see no case content");
  const bool lead = caller.role == rota::StaffRole::team_lead && serves(caller, facts.region);
  if (lead) return allow("team_lead", "team lead of the region");
  if (action == CaseAction::reassign)
    return refuse("team_lead_only", "only a team lead of the region reassigns a case");
  const bool own = caller.role == rota::StaffRole::casemanager && !facts.casemanager.empty() &&
                   facts.casemanager == caller.person;
  if (own) return allow("own_case", "own case");
  if (const auto* page = standing_page(facts, caller.person, now)) {
    if (action == CaseAction::read) return allow("responder", "paged for this case: " + page->id);
    return refuse("responder_reads_only",
                  "a responder reads the case; its casemanager or team lead records");
  }
  if (caller.role == rota::StaffRole::team_lead)
    return refuse("not_your_region", "case of another region");
  return refuse("not_your_case", "not your case");
}

}  // namespace piket::access
