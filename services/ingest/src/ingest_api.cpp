// The partner API's front: the route table (method and path to handler; the
// admin clock only in a deployment on a simulated clock), a wrong method
// answered 405 naming the path's methods, and /healthz, /readyz and /metrics. The
// handlers are free functions grouped by resource (ingest_api_handlers.hpp).
// The hot path, POST /v1/incidents, is the table's first route: matching it
// allocates nothing and calls through a plain function pointer.
#include "piket/ingest/ingest_api.hpp"

#include <string_view>

#include "ingest_api_handlers.hpp"
#include "piket/common/http_routes.hpp"
#include "piket/common/ops_endpoints.hpp"

namespace piket::ingest {
namespace {

using api::IngestContext;
using common::HttpRequest;
using common::HttpResponse;
using Method = common::HttpMethod;

struct Route {
  common::HttpMethod method;
  std::string_view pattern;  // {rest}: the rest of the path (common/http_routes.hpp)
  HttpResponse (*handler)(IngestContext&, const HttpRequest&, std::string_view rest);
  bool simulated_clock_only = false;  // else 404, whatever the method
};

// clang-format off
constexpr Route kRoutes[] = {
    {Method::post, "/v1/incidents",        api::post_incident},
    {Method::get,  "/v1/incidents/{rest}", api::get_incident},
    {Method::post, "/v1/admin/clock",      api::admin_clock, true},
};
// clang-format on

HttpResponse not_found() {
  return common::error_response(404, "not_found", "no such resource");
}

}  // namespace

IngestApi::IngestApi(IngestDeps deps)
    : context_(std::make_unique<IngestContext>(std::move(deps))) {}
IngestApi::~IngestApi() = default;

HttpResponse IngestApi::handle(const HttpRequest& req) {
  auto& c = *context_;
  const auto routed = common::find_route(kRoutes, req.method, req.path);
  if (routed.route) {
    if (routed.route->simulated_clock_only && !c.d.set_clock) return not_found();
    if (!routed.method_allowed) return common::method_not_allowed(routed.allow);
    return routed.route->handler(c, req, routed.capture);
  }
  if (auto ops =
          common::ops_endpoints(req, c.d.metrics, [&c] { return c.d.store.readiness_problem(); }))
    return *ops;
  return not_found();
}

}  // namespace piket::ingest
