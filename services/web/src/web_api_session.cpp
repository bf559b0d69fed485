// Sign-in, sign-out, the session, and the live event stream.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <regex>

#include "piket/web/event_channel.hpp"
#include "piket/web/password.hpp"
#include "web_api_handlers.hpp"

namespace piket::web::api {
namespace {

const std::regex kPersonId{"^[a-z0-9][a-z0-9_-]{0,63}$"};

json::object session_json(const WebContext& w, const Principal& p, const Session& s) {
  json::array regions;
  for (const auto& r : p.regions) regions.emplace_back(r);
  return {{"person", p.person},
          {"name", w.name(p.person)},
          {"role", to_string(p.role)},
          {"regions", regions},
          {"csrf", s.csrf},
          {"clock_mode", w.d.shared.clock == common::ClockMode::simulated ? "simulated" : "system"},
          {"now", ms(w.d.domain_clock.now())}};
}

}  // namespace

HttpResponse login(WebContext& w, Request& r) {
  if (auto answer = check_origin(w, r)) return *answer;
  auto parsed = body_object(r);
  if (auto* answer = std::get_if<HttpResponse>(&parsed)) return *answer;
  const auto& o = std::get<json::object>(parsed);
  const auto account = text(o, "person");
  const auto password = text(o, "password");
  if (account.empty() || password.empty() || password.size() > 1024 || account.size() > 256)
    return common::error_response(422, "missing_credentials", "give person and password");
  const bool known_id = std::regex_match(account, kPersonId);
  const auto* p = known_id ? w.person(account) : nullptr;
  const std::string target = p ? account : "unknown account";
  // Counted as a failure before the password is checked (atomically), so
  // concurrent attempts never check more passwords than the limits allow.
  if (const auto admission = w.guard.admit(account, r.from); !admission) {
    w.logins_refused.Increment();
    const bool address = admission.kind == LoginGuard::Admission::Kind::address_blocked;
    (address ? w.logins_address_blocked : w.logins_delayed).Increment();
    auto answer = refuse(w, r, 429, "too_many_attempts",
                         address ? "too many failed sign-ins from this address; try again later"
                                 : "too many failed sign-ins for this account; try again shortly",
                         target);
    if (answer.status == 429 &&
        std::none_of(answer.headers.begin(), answer.headers.end(),
                     [](const auto& h) { return h.first == "Retry-After"; }))
      answer.headers.emplace_back("Retry-After", retry_after_seconds(admission.retry_after));
    return answer;
  }
  const bool can = p && !p->password_argon2.empty();
  w.password_checks.Increment();
  const bool ok = verify_password(can ? p->password_argon2 : w.dummy_hash, password) && can;
  if (!ok) {
    w.logins_refused.Increment();
    w.refusals.Increment();
    // One entry each: bounded by the address limit (LoginGuard).
    w.audit.append(
        record(r, target, "refused", can ? "wrong password" : "no such account or no password"));
    return common::error_response(401, "wrong_credentials", "unknown person or wrong password");
  }
  w.guard.succeeded(account, r.from);
  auto created = w.sessions.create(p->id, r.from);
  r.who = principal_for(w.d.directory, p->id);
  r.session = created.session;
  allowed(w, r, p->id);
  w.logins_ok.Increment();
  spdlog::info("{} signed in", p->id);
  auto answer = json_response(session_json(w, *r.who, created.session));
  answer.headers.emplace_back("Set-Cookie", set_session_cookie(w.cookie, created.token));
  return answer;
}

HttpResponse logout(WebContext& w, Request& r) {
  w.sessions.destroy(r.token);
  w.d.hub.close_session(SessionStore::session_key(r.token));  // its live streams end too
  allowed(w, r, r.who->person);
  auto answer = json_response(json::object{{"signed_out", true}});
  answer.headers.emplace_back("Set-Cookie", clear_session_cookie(w.cookie));
  return answer;
}

HttpResponse session_read(WebContext& w, Request& r) {
  return json_response(session_json(w, *r.who, *r.session));
}

WebReply events(WebContext& w, Request& r) {
  WebReply reply;
  reply.response.status = 200;
  const auto person_id = r.who->person;
  json::object hello{{"now", ms(w.d.domain_clock.now())},
                     {"digest", w.d.digest ? w.d.digest() : std::string()}};
  auto first = sse_frame("hello", json::serialize(hello));
  auto* hub = &w.d.hub;
  const auto session = SessionStore::session_key(r.token);
  reply.stream = [hub, person_id, first, session](std::shared_ptr<EventChannel> ch) {
    ch->send("retry: 1000\n\n");
    ch->send(first);
    hub->add(person_id, std::move(ch), session);
  };
  return reply;
}

}  // namespace piket::web::api
