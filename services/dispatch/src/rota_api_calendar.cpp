// iCalendar subscriptions of a person's shifts and of a layer. Calendar apps
// cannot send headers, so these take a calendar token (piket_access:
// read-only, revocable, made in the web app) as ?token=; no other token opens
// a calendar, and a calendar token opens nothing else.
#include "piket/access/calendar_tokens.hpp"
#include "piket/rota/ical.hpp"
#include "rota_api_handlers.hpp"

namespace piket::dispatch::api {
namespace {

// The holder of a calendar token (piket_access), as a caller that may only
// read calendars. Staff, partner and admin tokens open no calendar.
std::optional<Caller> calendar_caller(RotaContext& c, const std::string& token) {
  std::optional<access::CalendarToken> t;
  {
    auto conn = c.redis.lease();
    t = access::CalendarTokens(*conn).find(token);
  }
  if (!t) return std::nullopt;
  const auto* p = c.directory.person(t->person);
  if (!p) return std::nullopt;  // no longer a person of the deployment
  const auto kind =
      p->role == rota::StaffRole::team_lead ? Caller::Kind::team_lead : Caller::Kind::casemanager;
  return Caller{kind, p->id, {p->regions.begin(), p->regions.end()}};
}

HttpResponse ics(std::string body) {
  return HttpResponse{200, "text/calendar; charset=utf-8", std::move(body), {}};
}

}  // namespace

HttpResponse calendar(RotaContext& c, const Request& r) {
  auto caller = calendar_caller(c, r.param("token"));
  if (!caller)
    return common::error_response(
        401, "calendar_token_required",
        "a calendar token is required (?token=); make one in the app under Agenda");
  const auto now = c.clock.now();
  const rota::TimeRange range{now - std::chrono::hours{24 * 7}, now + std::chrono::hours{24 * 90}};
  auto current = c.rota.current();
  const auto rest = r.rest;
  constexpr std::string_view person_prefix = "person/";
  constexpr std::string_view layer_prefix = "layer/";
  if (rest.substr(0, person_prefix.size()) == person_prefix && rest.ends_with(".ics")) {
    const std::string id(rest.substr(person_prefix.size(), rest.size() - person_prefix.size() - 4));
    const auto* p = c.directory.person(id);
    if (!p) return common::error_response(404, "not_found", "no such person");
    // The person themself (a staff caller: partner and admin ids live in
    // other namespaces and may equal a person's id), admins, their team leads.
    bool allowed = (caller->is_staff() && caller->id == id) || caller->kind == Caller::Kind::admin;
    for (const auto& reg : p->regions) allowed = allowed || may_change(*caller, reg);
    if (!allowed) return forbidden();
    return ics(rota::ical_for_person(*current, id, range, now));
  }
  if (rest.substr(0, layer_prefix.size()) == layer_prefix && rest.ends_with(".ics")) {
    const auto path = rest.substr(layer_prefix.size(), rest.size() - layer_prefix.size() - 4);
    const auto slash = path.find('/');
    if (slash == std::string_view::npos)
      return common::error_response(404, "not_found", "no such layer");
    const std::string region(path.substr(0, slash)), layer(path.substr(slash + 1));
    if (!current->has_layer(layer, region))
      return common::error_response(404, "not_found", "no such layer");
    if (!may_read(*caller, region)) return forbidden();
    return ics(rota::ical_for_layer(*current, layer, region, range, now));
  }
  return common::error_response(404, "not_found", "no such calendar");
}

}  // namespace piket::dispatch::api
