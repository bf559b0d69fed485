// The rota API's front: the route table (method and path to handler) and the
// checks the routes share — the method first (405 naming the path's methods),
// then, on every route but the calendars, the bearer token (401; partners
// 403), and only then an unknown path (404). The handlers are free functions
// grouped by resource (rota_api_handlers.hpp).
#include "piket/dispatch/rota_api.hpp"

#include <spdlog/spdlog.h>

#include <string_view>

#include "piket/common/http_routes.hpp"
#include "piket/common/redis.hpp"
#include "rota_api_handlers.hpp"

namespace piket::dispatch {
namespace {

using api::RotaContext;
using common::Caller;
using common::HttpRequest;
using common::HttpResponse;
using Method = common::HttpMethod;

constexpr std::string_view kPrefix = "/v1/rota/";

struct Route {
  common::HttpMethod method;
  std::string_view pattern;  // {rest}: the rest of the path (common/http_routes.hpp)
  HttpResponse (*handler)(RotaContext&, const api::Request&);
  bool bearer = true;  // false: a calendar, opened by a calendar token (?token=)
};

// clang-format off
constexpr Route kRoutes[] = {
    {Method::get,  "/v1/rota/calendar/{rest}",  api::calendar, false},
    {Method::get,  "/v1/rota/oncall",           api::oncall},
    {Method::get,  "/v1/rota/gaps",             api::gaps},
    {Method::get,  "/v1/rota/overrides",        api::list_overrides},
    {Method::post, "/v1/rota/overrides",        api::add_override},
    {Method::del,  "/v1/rota/overrides/{rest}", api::remove_override},
};
// clang-format on

HttpResponse route(RotaContext& c, const HttpRequest& req) {
  const auto routed = common::find_route(kRoutes, req.method, req.path);
  // A known path with another method: 405 naming the allowed ones.
  if (routed.route && !routed.method_allowed) return common::method_not_allowed(routed.allow);
  if (routed.route && !routed.route->bearer)
    return routed.route->handler(c, {req, nullptr, routed.capture, api::query_params(req.query)});
  auto caller = c.auth.authenticate(req.header("authorization"));
  if (!caller)
    return common::error_response(401, "missing_token", "a valid bearer token is required");
  // Partners have no business with the rota: refused before anything else.
  if (caller->kind == Caller::Kind::partner) return api::forbidden();
  if (!routed.route) return common::error_response(404, "not_found", "no such resource");
  return routed.route->handler(c, {req, &*caller, routed.capture, api::query_params(req.query)});
}

}  // namespace

RotaApi::RotaApi(const rota::Directory& directory, const std::vector<common::TokenHolder>& tokens,
                 const common::Clock& clock, LiveRota& rota, common::RedisPool& redis)
    : context_(std::make_unique<RotaContext>(
          RotaContext{directory, clock, rota, redis, common::BearerAuth(tokens)})) {}
RotaApi::~RotaApi() = default;

std::optional<HttpResponse> RotaApi::handle(const HttpRequest& req) {
  if (std::string_view(req.path).substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  try {
    return route(*context_, req);
  } catch (const common::RedisError& e) {
    spdlog::warn("rota api: redis unavailable: {}", e.what());
    return common::error_response(503, "storage_unavailable", "try again");
  }
}

}  // namespace piket::dispatch
