// The web API's front: the route table (method and path to handler and audit
// action), the session, CSRF and origin checks every route shares, and the
// app's files and ops endpoints beside it. The handlers are free functions
// grouped by resource (web_api_handlers.hpp).
#include "piket/web/web_api.hpp"

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

#include "piket/common/http_routes.hpp"
#include "piket/common/ops_endpoints.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_health.hpp"
#include "piket/store/family_contact.hpp"
#include "web_api_handlers.hpp"

namespace piket::web {
namespace {

using api::Request;
using api::WebContext;
using common::HttpRequest;
using common::HttpResponse;
using Method = common::HttpMethod;

using Handler = WebReply (*)(WebContext&, Request&);

// A handler that answers without a stream.
template <HttpResponse (*F)(WebContext&, Request&)>
WebReply plain(WebContext& w, Request& r) {
  return {F(w, r), {}};
}

struct Route {
  common::HttpMethod method;
  std::string_view pattern;  // "/api/cases/{id}/events": {id} is one path segment (http_routes.hpp)
  std::string_view action;   // for the audit trail
  Handler handler;
  bool needs_session = true;  // false for sign-in only (it checks its origin itself)
  // A change the app answers for: with [redis] min_replicas, refused at once
  // without enough replicas connected (api::check_replicas), and confirmed
  // by them before its answer (api::confirm_change). docs/availability.md.
  bool durable = false;
};

// clang-format off
constexpr Route kRoutes[] = {
    {Method::post, "/api/login",                  "login",           plain<api::login>, false},
    {Method::get,  "/api/session",                "session.read",    plain<api::session_read>},
    {Method::post, "/api/logout",                 "logout",          plain<api::logout>},
    {Method::get,  "/api/events",                 "events.open",     api::events},
    {Method::get,  "/api/board",                  "board.read",      plain<api::board>},
    {Method::get,  "/api/charts",                 "charts.read",     plain<api::charts>},
    {Method::get,  "/api/my",                     "cases.list",      plain<api::my_cases>},
    {Method::get,  "/api/cases/{id}",             "case.read",       plain<api::case_read>},
    {Method::post, "/api/cases/{id}/events",      "case.event",      plain<api::case_event>, true, true},
    {Method::post, "/api/cases/{id}/reassign",    "case.reassign",   plain<api::case_reassign>, true, true},
    {Method::post, "/api/cases/{id}/join",        "case.join",       plain<api::case_join>, true, true},
    {Method::post, "/api/cases/{id}/split",       "case.split",      plain<api::case_split>, true, true},
    {Method::post, "/api/cases/{id}/agreements",  "case.agreement",  plain<api::case_agreement_new>, true, true},
    {Method::post, "/api/cases/{id}/agreements/state", "case.agreement_state", plain<api::case_agreement_state>, true, true},
    {Method::post, "/api/cases/{id}/tracks",      "case.track",      plain<api::case_track_record>, true, true},
    {Method::post, "/api/cases/{id}/family-link", "case.family_link", plain<api::case_family_link_create>, true, true},
    {Method::post, "/api/cases/{id}/family-link/revoke", "case.family_link_revoke", plain<api::case_family_link_revoke>, true, true},
    {Method::post, "/api/pages/{id}/ack",         "page.ack",        plain<api::page_ack>, true, true},
    {Method::post, "/api/pages/{id}/decline",     "page.decline",    plain<api::page_decline>, true, true},
    {Method::post, "/api/escalations/{id}/ack",   "escalation.ack",  plain<api::escalation_ack>, true, true},
    {Method::post, "/api/rota/overrides",         "rota.override",   plain<api::rota_override>, true, true},
    {Method::get,  "/api/calendar/tokens",        "calendar.list",   plain<api::calendar_list>},
    {Method::post, "/api/calendar/tokens",        "calendar.create", plain<api::calendar_create>, true, true},
    {Method::post, "/api/calendar/tokens/revoke", "calendar.revoke", plain<api::calendar_revoke>, true, true},
    {Method::get,  "/api/admin/overview",         "admin.read",      plain<api::admin_overview>},
    {Method::post, "/api/admin/audit/verify",     "audit.verify",    plain<api::audit_verify>},
    {Method::get,  "/api/push/key",               "push.key",        plain<api::push_key>},
    {Method::get,  "/api/push/subscriptions",     "push.list",       plain<api::push_list>},
    {Method::post, "/api/push/subscriptions",     "push.subscribe",  plain<api::push_subscribe>, true, true},
    {Method::post, "/api/push/subscriptions/remove", "push.unsubscribe", plain<api::push_unsubscribe>, true, true},
};
// clang-format on

WebReply api_request(WebContext& w, const HttpRequest& req) {
  const auto routed = common::find_route(kRoutes, req.method, req.path);
  if (!routed.route) return {common::error_response(404, "not_found", "no such resource"), {}};
  if (!routed.method_allowed) return {common::method_not_allowed(routed.allow), {}};
  const auto& route = *routed.route;
  Request r{req,
            {},
            std::nullopt,
            std::nullopt,
            std::string(route.action),
            w.addresses.of(req),
            std::string(routed.capture)};
  if (route.needs_session) {
    // Who is asking: a live session, or nobody (refused, and audited).
    if (auto v = cookie_value(req.header("cookie"), w.cookie.name)) {
      r.token = *v;
      r.session = w.sessions.find(r.token);
      if (r.session) r.who = principal_for(w.d.directory, r.session->person);
    }
    if (!r.who)
      return {api::refuse(w, r, 401, "unauthenticated", "sign in first", std::string(req.path),
                          r.token.empty() ? "no session" : "session expired or unknown"),
              {}};
    if (route.method == Method::post)
      if (auto refused = api::check_csrf(w, r)) return {*refused, {}};
  }
  if (route.durable)
    if (auto refused = api::check_replicas(w, r)) return {*refused, {}};
  return route.handler(w, r);
}

}  // namespace

WebApi::WebApi(WebDeps deps) : context_(std::make_unique<WebContext>(std::move(deps))) {}
WebApi::~WebApi() = default;

std::size_t WebApi::write_refusal_tally() {
  try {
    return context_->tally.flush();
  } catch (const common::RedisError& e) {
    spdlog::warn("web: the refusal tally could not be written yet: {}", e.what());
    return 0;
  }
}

WebReply WebApi::handle(const HttpRequest& req) {
  auto& w = *context_;
  const auto started = w.d.real_clock.now();
  WebReply reply;
  try {
    if (req.path.rfind("/api/", 0) == 0) {
      reply = api_request(w, req);
    } else if (req.path.rfind(store::kFamilyLinkPath, 0) == 0) {
      reply.response = api::family_form(w, req);
    } else if (auto ops = common::ops_endpoints(req, w.d.metrics, [&w] {
                 return common::redis_readiness_problem(*w.d.redis.lease());
               })) {
      reply.response = *ops;
    } else if (w.d.assets) {
      if (auto r = w.d.assets->serve(req))
        reply.response = *r;
      else
        reply.response = common::error_response(404, "not_found", "no such resource");
    } else {
      reply.response = common::error_response(404, "not_found", "no such resource");
    }
  } catch (const common::RedisNotReplicatedError& e) {
    // Durable answers (docs/availability.md): the change is on the primary,
    // not yet on enough replicas to survive its loss.
    spdlog::warn("web: {}", e.what());
    reply = {common::error_response(503, "not_replicated",
                                    "the change is recorded but not yet confirmed by enough "
                                    "replicas of the store; reload and check before doing it "
                                    "again"),
             {}};
    reply.response.headers.emplace_back("Retry-After", "1");
  } catch (const common::RedisNoReplicasError& e) {
    // The primary refused the write whole (min-replicas-to-write).
    spdlog::warn("web: redis refused a write: {}", e.what());
    reply = {common::error_response(503, "not_replicated",
                                    "too few replicas of the store are connected; the change "
                                    "was refused, try again shortly"),
             {}};
    reply.response.headers.emplace_back("Retry-After", "1");
  } catch (const common::RedisError& e) {
    // Also when the audit entry could not be written: no answer without it.
    spdlog::error("web: redis unavailable: {}", e.what());
    reply = {common::error_response(503, "storage_unavailable", "try again"), {}};
  }
  if (!reply.stream && req.path.rfind("/api/", 0) == 0) {
    add_security_headers(reply.response);
    w.latency.Observe(std::chrono::duration<double>(w.d.real_clock.now() - started).count());
  }
  return reply;
}

}  // namespace piket::web
