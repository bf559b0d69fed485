#include "piket/web/access_policy.hpp"

namespace piket::web {
namespace {

Decision allow(std::string why) {
  return {true, std::move(why)};
}
Decision refuse(std::string why) {
  return {false, std::move(why)};
}

rota::StaffRole staff_role(Role r) {
  switch (r) {
    case Role::casemanager:
      return rota::StaffRole::casemanager;
    case Role::team_lead:
      return rota::StaffRole::team_lead;
    case Role::admin:
      return rota::StaffRole::admin;
  }
  return rota::StaffRole::admin;
}

Decision on_case(const Principal& p, const CaseFacts& c, access::CaseAction a,
                 common::Instant now) {
  const auto d = access::may(case_caller(p), c, a, now);
  return {d.allowed, d.reason};
}

}  // namespace

access::CaseCaller case_caller(const Principal& p) {
  return {p.person, staff_role(p.role), p.regions};
}

Decision may_read_case(const Principal& p, const CaseFacts& c, common::Instant now) {
  return on_case(p, c, access::CaseAction::read, now);
}

Decision may_record_event(const Principal& p, const CaseFacts& c, common::Instant now) {
  return on_case(p, c, access::CaseAction::record, now);
}

Decision may_reassign_case(const Principal& p, const CaseFacts& c, common::Instant now) {
  return on_case(p, c, access::CaseAction::reassign, now);
}

Decision may_view_region(const Principal& p, std::string_view region) {
  if (p.role != Role::team_lead) return refuse("the board is for team leads");
  if (!p.serves(region)) return refuse("another region");
  return allow("team lead of the region");
}

Decision may_edit_rota(const Principal& p, std::string_view region) {
  return may_view_region(p, region);
}

Decision may_administer(const Principal& p) {
  if (p.role != Role::admin) return refuse("admins only");
  return allow("admin");
}

}  // namespace piket::web
