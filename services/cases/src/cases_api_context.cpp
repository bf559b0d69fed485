#include "cases_api_context.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <regex>

#include "piket/access/case_facts_reader.hpp"
#include "piket/common/records.hpp"

namespace piket::cases::api {

CasesContext::CasesContext(CasesApiDeps deps)
    : d(std::move(deps)),
      tokens(d.tokens, d.directory.people),
      redis(d.redis),
      families(d.store, d.redis),
      ready([this] { return d.store.health_problem(); }),
      recorded(d.metrics.counter("piket_cases_requests_total", "Case API requests",
                                 {{"outcome", "recorded"}})),
      refused(d.metrics.counter("piket_cases_requests_total", "Case API requests",
                                {{"outcome", "refused"}})),
      reads(d.metrics.counter("piket_cases_requests_total", "Case API requests",
                              {{"outcome", "read"}})) {}

HttpResponse ok(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::variant<Actor, common::ApiRefusal> authenticate(const CasesContext& c,
                                                     const HttpRequest& http) {
  const auto header = http.header("authorization");
  if (header.empty())
    return common::ApiRefusal{
        401, "missing_token", "an Authorization: Bearer token is required", {}};
  auto a = c.tokens.authenticate(header);
  if (!a) return common::ApiRefusal{401, "invalid_token", "the bearer token is not known", {}};
  return *a;
}

std::optional<common::ApiRefusal> refused_access(CasesContext& c, const Actor& actor,
                                                 const std::string& id, access::CaseAction action) {
  std::optional<access::CaseFacts> facts;
  {
    auto lease = c.redis.lease();
    facts = access::read_case_facts(*lease, id, actor.person);
  }
  if (!facts) return common::ApiRefusal{404, "not_found", "no such case", {}};
  const auto d = access::may({actor.person, actor.role, actor.regions}, *facts, action,
                             c.d.domain_clock.now());
  if (d) return std::nullopt;
  spdlog::info("case {}: {} by {} refused ({})", id, access::to_string(action), actor.person,
               d.code);
  return common::ApiRefusal{403, d.code, d.reason, {}};
}

std::variant<const rota::PersonConfig*, common::ApiRefusal> person_for(const CasesContext& c,
                                                                       const Actor& actor,
                                                                       const std::string& id) {
  static const std::regex kPersonId{"^[a-z0-9][a-z0-9_-]{0,63}$"};
  const auto* target = std::regex_match(id, kPersonId) ? c.d.directory.person(id) : nullptr;
  if (!target) return common::ApiRefusal{404, "not_found", "no such person", {}};
  bool lead_of = false;
  if (actor.role == rota::StaffRole::team_lead)
    for (const auto& region : target->regions)
      lead_of = lead_of || std::find(actor.regions.begin(), actor.regions.end(), region) !=
                               actor.regions.end();
  if (actor.person != id && !lead_of)
    return common::ApiRefusal{
        403, "not_allowed", "only the person or a team lead of their region may do this", {}};
  return target;
}

std::variant<CaseState, common::ApiRefusal> readable_case(CasesContext& c, const Actor& actor,
                                                          const std::string& id,
                                                          access::CaseAction action) {
  const common::ApiRefusal not_found{404, "not_found", "no such case", {}};
  if (!common::is_case_id(id)) return not_found;
  if (auto r = refused_access(c, actor, id, action)) return *r;
  auto state = c.d.store.load(id);
  if (!state) return not_found;
  return std::move(*state);
}

}  // namespace piket::cases::api
