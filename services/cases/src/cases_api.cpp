// The case API's front: the route table (method and path to handler) and the
// checks every route shares — the method (405 naming the path's methods), then
// the caller's bearer token (401) — with /healthz, /readyz and /metrics beside it. The
// handlers are free functions grouped by resource (cases_api_handlers.hpp).
#include "piket/cases/cases_api.hpp"

#include <spdlog/spdlog.h>

#include <string_view>

#include "cases_api_handlers.hpp"
#include "piket/common/http_routes.hpp"
#include "piket/common/redis.hpp"

namespace piket::cases {
namespace {

using api::CasesContext;
using common::HttpRequest;
using common::HttpResponse;
using Method = common::HttpMethod;

struct Route {
  common::HttpMethod method;
  std::string_view pattern;  // {id}: one path segment (common/http_routes.hpp)
  HttpResponse (*handler)(CasesContext&, const api::Request&);
};

// clang-format off
constexpr Route kRoutes[] = {
    {Method::get,  "/v1/cases/{id}",          api::case_read},
    {Method::get,  "/v1/cases/{id}/timeline", api::case_timeline},
    {Method::post, "/v1/cases/{id}/events",   api::case_event},
    {Method::post, "/v1/cases/{id}/join",     api::case_join},
    {Method::post, "/v1/cases/{id}/split",    api::case_split},
    {Method::post, "/v1/people/{id}/absence", api::person_absence},
    {Method::get,  "/v1/cases/{id}/agreements",       api::case_agreements},
    {Method::post, "/v1/cases/{id}/agreements",       api::case_agreement_new},
    {Method::post, "/v1/cases/{id}/agreements/state", api::case_agreement_state},
    {Method::get,  "/v1/cases/{id}/tracks",           api::case_tracks},
    {Method::post, "/v1/cases/{id}/tracks",           api::case_track_record},
    {Method::get,  "/v1/people/{id}/agreements",      api::person_agreements},
    {Method::get,  "/v1/cases/{id}/family-link",      api::case_family_link_read},
    {Method::post, "/v1/cases/{id}/family-link",      api::case_family_link_create},
    {Method::del,  "/v1/cases/{id}/family-link",      api::case_family_link_revoke},
};
// clang-format on

HttpResponse route(CasesContext& c, const HttpRequest& req) {
  const auto routed = common::find_route(kRoutes, req.method, req.path);
  if (!routed.route) return common::error_response(404, "not_found", "no such resource");
  if (!routed.method_allowed) return common::method_not_allowed(routed.allow);
  auto auth = api::authenticate(c, req);
  if (auto* refusal = std::get_if<common::ApiRefusal>(&auth)) return common::to_response(*refusal);
  return routed.route->handler(c, {req, std::get<Actor>(auth), std::string(routed.capture)});
}

}  // namespace

CasesApi::CasesApi(CasesApiDeps deps) : context_(std::make_unique<CasesContext>(std::move(deps))) {}
CasesApi::~CasesApi() = default;

HttpResponse CasesApi::handle(const HttpRequest& req) {
  if (auto r = common::ops_endpoints(req, context_->d.metrics, context_->ready)) return *r;
  try {
    return route(*context_, req);
  } catch (const common::RedisNotReplicatedError& e) {
    spdlog::warn("cases: {}", e.what());
    auto r = common::error_response(
        503, "not_replicated",
        "the event is recorded but not yet confirmed by enough replicas of the store; read the "
        "case's timeline before recording it again");
    r.headers.emplace_back("Retry-After", "1");
    return r;
  } catch (const common::RedisError& e) {
    spdlog::warn("cases: redis unavailable: {}", e.what());
    auto r = common::error_response(503, "storage_unavailable", "the case store cannot be reached");
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
}

}  // namespace piket::cases
