// inbound's front: the route table (method and path to handler) with
// /healthz, /readyz and /metrics beside it. Kannel's callbacks answer another method
// as an unknown path (404); the staff API answers it 405 ("use POST"), and a
// path whose {id} is not a page id 404. The handlers are free functions
// grouped by resource (inbound_api_handlers.hpp).
#include "piket/inbound/inbound_api.hpp"

#include <spdlog/spdlog.h>

#include <regex>
#include <string_view>

#include "inbound_api_handlers.hpp"
#include "piket/common/http_routes.hpp"

namespace piket::inbound {
namespace {

using api::InboundContext;
using common::HttpRequest;
using common::HttpResponse;
using Method = common::HttpMethod;

struct Route {
  common::HttpMethod method;
  std::string_view pattern;  // {id}: one path segment (common/http_routes.hpp)
  HttpResponse (*handler)(InboundContext&, const HttpRequest&, std::string_view id);
  bool staff_api = false;  // {id} is a page id; another method: 405 "use POST"
};

// clang-format off
constexpr Route kRoutes[] = {
    {Method::get,  "/kannel/dlr",            api::delivery_report},
    {Method::get,  "/kannel/sms",            api::sms_reply},
    {Method::post, "/kannel/sms",            api::sms_reply},
    {Method::post, "/v1/pages/{id}/ack",     api::page_ack,     true},
    {Method::post, "/v1/pages/{id}/decline", api::page_decline, true},
};
// clang-format on

const std::regex kPageId{"^P[0-9A-Z]{16}$"};

HttpResponse not_found() {
  return common::error_response(404, "not_found", "no such resource");
}

}  // namespace

InboundApi::InboundApi(const InboundConfig& config, InboundDeps deps,
                       const common::Clock& domain_clock, common::Metrics& metrics,
                       const common::Clock* transport_clock, OnEscalation on_escalation)
    : context_(std::make_unique<InboundContext>(config, std::move(deps), domain_clock, metrics,
                                                transport_clock, std::move(on_escalation))) {
  if (context_->deps.callback_secret.empty())
    spdlog::error("inbound: no Kannel callback secret; every /kannel callback is refused");
}

InboundApi::~InboundApi() = default;

HttpResponse InboundApi::handle(const HttpRequest& r) {
  auto& c = *context_;
  if (auto resp = common::ops_endpoints(r, c.metrics, c.ready)) return *resp;
  const auto routed = common::find_route(kRoutes, r.method, r.path);
  if (!routed.route) return not_found();
  const auto& route = *routed.route;
  if (route.staff_api) {
    const std::string id(routed.capture);
    if (!std::regex_match(id, kPageId)) return not_found();
  }
  if (!routed.method_allowed) {
    if (!route.staff_api) return not_found();
    return common::error_response(405, "method_not_allowed", "use POST");
  }
  try {
    return route.handler(c, r, routed.capture);
  } catch (const common::RedisNotReplicatedError& e) {
    spdlog::warn("inbound: {}", e.what());
    return common::error_response(
        503, "not_replicated",
        "the answer is recorded but not yet confirmed by enough replicas; send it again");
  } catch (const common::RedisNoReplicasError& e) {
    spdlog::warn("inbound: redis refused the answer: {}", e.what());
    return common::error_response(503, "not_replicated",
                                  "too few replicas are connected; nothing was recorded");
  } catch (const common::RedisError& e) {
    spdlog::warn("inbound: redis unavailable: {}", e.what());
    return common::error_response(503, "storage_unavailable", "try again");
  }
}

}  // namespace piket::inbound
