// A case's contact link for the family (family_link.hpp): made, read and
// revoked by the case's casemanager or a team lead of its region. The secret
// is in the answer to its making only; never in a log line.
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "cases_api_handlers.hpp"
#include "piket/cases/family_link.hpp"
#include "piket/common/records.hpp"
#include "piket/common/time_format.hpp"
#include "piket/store/family_contact.hpp"

namespace piket::cases::api {
namespace {

namespace json = boost::json;

// The case's casemanager or a team lead of its region, else the refusal.
std::optional<HttpResponse> refused(CasesContext& c, const Request& r) {
  const common::ApiRefusal not_found{404, "not_found", "no such case", {}};
  auto refusal = common::is_case_id(r.id)
                     ? refused_access(c, r.actor, r.id, access::CaseAction::record)
                     : std::optional{not_found};
  if (!refusal) return std::nullopt;
  c.refused.Increment();
  return common::to_response(*refusal);
}

json::object link_json(const FamilyLinkInfo& l) {
  return {{"id", l.id}, {"created_at", common::format_rfc3339(l.created_at)}, {"by", l.by}};
}

}  // namespace

HttpResponse case_family_link_read(CasesContext& c, const Request& r) {
  if (auto no = refused(c, r)) return *no;
  auto lease = c.redis.lease();
  const auto link = FamilyLinks(*lease).find(r.id);
  c.reads.Increment();
  return ok(200, json::serialize(json::object{
                     {"case_id", r.id}, {"link", link ? json::value(link_json(*link)) : nullptr}}));
}

HttpResponse case_family_link_create(CasesContext& c, const Request& r) {
  if (auto no = refused(c, r)) return *no;
  std::variant<FamilyLinkCreated, common::ApiRefusal> made;
  {
    auto lease = c.redis.lease();
    made = FamilyLinks(*lease).create(r.id, r.actor.person, c.d.domain_clock.now());
  }
  if (auto* refusal = std::get_if<common::ApiRefusal>(&made))
    return (c.refused.Increment(), common::to_response(*refusal));
  const auto& link = std::get<FamilyLinkCreated>(made);
  c.recorded.Increment();
  spdlog::info("case {}: contact link {} made by {}{}", r.id, link.info.id, r.actor.person,
               link.replaced.empty() ? "" : " (revoked " + link.replaced + ")");
  auto o = link_json(link.info);
  o["case_id"] = r.id;
  o["path"] = std::string(store::kFamilyLinkPath) + link.secret;
  o["replaced"] = link.replaced;
  return ok(201, json::serialize(o));
}

HttpResponse case_family_link_revoke(CasesContext& c, const Request& r) {
  if (auto no = refused(c, r)) return *no;
  std::optional<std::string> revoked;
  {
    auto lease = c.redis.lease();
    revoked = FamilyLinks(*lease).revoke(r.id, r.actor.person, c.d.domain_clock.now());
  }
  if (!revoked) {
    c.refused.Increment();
    return common::error_response(404, "no_link", "the case has no contact link");
  }
  c.recorded.Increment();
  spdlog::info("case {}: contact link {} revoked by {}", r.id, *revoked, r.actor.person);
  return ok(200, json::serialize(json::object{{"case_id", r.id}, {"revoked", *revoked}}));
}

}  // namespace piket::cases::api
