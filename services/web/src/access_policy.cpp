#include "piket/web/access_policy.hpp"

#include <algorithm>

namespace piket::web {
namespace {

Decision allow(std::string why) {
  return {true, std::move(why)};
}
Decision refuse(std::string why) {
  return {false, std::move(why)};
}

bool was_paged(const Principal& p, const CaseFacts& c) {
  return std::find(c.paged.begin(), c.paged.end(), p.person) != c.paged.end();
}

}  // namespace

Decision may_read_case(const Principal& p, const CaseFacts& c) {
  switch (p.role) {
    case Role::admin:
      return refuse("admins see no case content");
    case Role::team_lead:
      if (p.serves(c.region)) return allow("team lead of the region");
      return refuse("case of another region");
    case Role::casemanager:
      if (!c.casemanager.empty() && c.casemanager == p.person) return allow("own case");
      if (was_paged(p, c)) return allow("paged for this case");
      return refuse("not your case");
  }
  return refuse("unknown role");
}

Decision may_record_event(const Principal& p, const CaseFacts& c) {
  if (!c.open) return refuse("the case is closed");
  switch (p.role) {
    case Role::admin:
      return refuse("admins see no case content");
    case Role::team_lead:
      if (p.serves(c.region)) return allow("team lead of the region");
      return refuse("case of another region");
    case Role::casemanager:
      if (!c.casemanager.empty() && c.casemanager == p.person) return allow("own case");
      if (was_paged(p, c)) return allow("paged for this case");
      return refuse("not your case");
  }
  return refuse("unknown role");
}

Decision may_reassign_case(const Principal& p, const CaseFacts& c) {
  if (p.role != Role::team_lead) return refuse("only a team lead reassigns cases");
  if (!p.serves(c.region)) return refuse("case of another region");
  if (!c.open) return refuse("the case is closed");
  return allow("team lead of the region");
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
