// A case's family: a team lead joins another case of the household into this
// one, or splits it off again (case_family.hpp).
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "cases_api_handlers.hpp"

namespace piket::cases::api {
namespace {

namespace json = boost::json;

HttpResponse family(CasesContext& c, const Request& r, bool join) {
  if (!common::is_json_media_type(r.http.header("content-type")))
    return common::error_response(415, "unsupported_media_type",
                                  "Content-Type must be application/json");
  auto parsed = parse_family_request(r.http.body);
  if (auto* refusal = std::get_if<common::ApiRefusal>(&parsed))
    return (c.refused.Increment(), common::to_response(*refusal));
  const auto& request = std::get<FamilyRequest>(parsed);
  const auto now = c.d.domain_clock.now();
  auto done = join ? c.families.join(r.id, request, r.actor, now)
                   : c.families.split(r.id, request, r.actor, now);
  if (auto* refusal = std::get_if<common::ApiRefusal>(&done))
    return (c.refused.Increment(), common::to_response(*refusal));
  const auto& result = std::get<FamilyResult>(done);
  c.recorded.Increment();
  spdlog::info("case {}: {} {} by {} ({} incidents moved)", r.id, join ? "joined" : "split off",
               request.other_case_id, r.actor.person, result.incidents.size());
  json::object o;
  o["case_id"] = result.survivor;
  o[join ? "joined" : "split"] = result.other;
  json::array incidents;
  for (const auto& i : result.incidents) incidents.emplace_back(i);
  o["incidents_moved"] = std::move(incidents);
  o["household_keys_moved"] = result.household_keys;
  return ok(200, json::serialize(o));
}

}  // namespace

HttpResponse case_join(CasesContext& c, const Request& r) {
  return family(c, r, true);
}

HttpResponse case_split(CasesContext& c, const Request& r) {
  return family(c, r, false);
}

}  // namespace piket::cases::api
