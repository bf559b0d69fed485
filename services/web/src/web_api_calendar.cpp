// Calendar tokens: a person's read-only key to their rota calendars
// (piket_access), made by the person and shown once; listed and revoked by
// the person, a team lead of one of their regions, or an admin.
#include <regex>

#include "piket/access/calendar_tokens.hpp"
#include "web_api_handlers.hpp"

namespace piket::web::api {
namespace {

const std::regex kPersonId{"^[a-z0-9][a-z0-9_-]{0,63}$"};

std::string calendar_url(const WebContext& w, const std::string& person_id,
                         const std::string& token) {
  std::string base = w.d.config.calendar_base_url;
  if (base.empty())
    base = "http://" + w.d.dispatch_http.host + ":" + std::to_string(w.d.dispatch_http.port);
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/v1/rota/calendar/person/" + person_id + ".ics?token=" + token;
}

// Whose tokens: the caller's own (nothing requested), or another person's
// for their team lead or an admin.
std::variant<std::string, HttpResponse> calendar_owner(WebContext& w, const Request& r,
                                                       const std::string& requested) {
  if (requested.empty() || requested == r.who->person) return r.who->person;
  const auto* p = std::regex_match(requested, kPersonId) ? w.person(requested) : nullptr;
  if (!p) return refuse(w, r, 404, "not_found", "no such person", "-", "no such person");
  bool ok = r.who->role == Role::admin;
  if (r.who->role == Role::team_lead)
    for (const auto& region : p->regions) ok = ok || r.who->serves(region);
  if (!ok)
    return refuse(w, r, 403, "forbidden", "not allowed for this person's calendar tokens",
                  requested, "not their team lead or an admin");
  return requested;
}

}  // namespace

HttpResponse calendar_list(WebContext& w, Request& r) {
  auto owner = calendar_owner(w, r, std::string(query_param(r.req.query, "person")));
  if (auto* answer = std::get_if<HttpResponse>(&owner)) return *answer;
  const auto& who = std::get<std::string>(owner);
  json::array out;
  {
    auto lease = w.d.redis.lease();
    for (const auto& t : access::CalendarTokens(*lease).list(who))
      out.push_back(json::object{{"id", t.id}, {"created_at", ms(t.created_at)}, {"by", t.by}});
  }
  allowed(w, r, who, std::to_string(out.size()) + " calendar tokens");
  return json_response(
      json::object{{"person", who}, {"tokens", out}, {"max", access::kMaxCalendarTokensPerPerson}});
}

HttpResponse calendar_create(WebContext& w, Request& r) {
  const auto& who = r.who->person;
  if (r.who->role == Role::admin)
    return refuse(w, r, 403, "forbidden", "admins have no rota calendar", who, "admin");
  std::optional<access::CalendarTokens::Created> created;
  {
    auto lease = w.d.redis.lease();
    created = access::CalendarTokens(*lease).create(who, who, w.d.real_clock.now());
    // Durable answers (docs/availability.md): the token is handed out only
    // once replicas have it.
    if (created && !lease->wait_replicated())
      throw common::RedisNotReplicatedError("a calendar token of " + who +
                                            " is not yet on enough replicas");
  }
  if (!created)
    return refuse(w, r, 409, "too_many_tokens",
                  "you have the most calendar tokens allowed; revoke one first", who,
                  "at most " + std::to_string(access::kMaxCalendarTokensPerPerson));
  allowed(w, r, who, "calendar token " + created->info.id);  // never the token itself
  return json_response(json::object{{"id", created->info.id},
                                    {"token", created->token},
                                    {"created_at", ms(created->info.created_at)},
                                    {"url", calendar_url(w, who, created->token)}},
                       201);
}

HttpResponse calendar_revoke(WebContext& w, Request& r) {
  auto parsed = body_object(r);
  if (auto* answer = std::get_if<HttpResponse>(&parsed)) return *answer;
  const auto& o = std::get<json::object>(parsed);
  auto owner = calendar_owner(w, r, text(o, "person"));
  if (auto* answer = std::get_if<HttpResponse>(&owner)) return *answer;
  const auto& who = std::get<std::string>(owner);
  const auto id = text(o, "id");
  bool revoked = false;
  {
    auto lease = w.d.redis.lease();
    revoked = access::CalendarTokens(*lease).revoke(who, id);
    // A revocation is confirmed only once replicas have it: a token must not
    // come back with a failover.
    if (revoked && !lease->wait_replicated())
      throw common::RedisNotReplicatedError("the revocation of calendar token " + id +
                                            " is not yet on enough replicas");
  }
  if (!revoked)
    return refuse(w, r, 404, "not_found", "no such calendar token", who, "no such calendar token");
  allowed(w, r, who, "calendar token " + id + " revoked");
  return json_response(json::object{{"revoked", id}});
}

}  // namespace piket::web::api
