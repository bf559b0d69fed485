#pragma once
// What the web API's handlers share (internal to piket_web): the context — the
// dependencies and the stores every handler may use, made once by WebApi — and
// a request's own state, with the helpers that answer, refuse and audit. The
// handlers are free functions of these two (web_api_handlers.hpp), grouped by
// resource; web_api.cpp routes to them.

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "piket/common/api_refusal.hpp"
#include "piket/common/http_types.hpp"
#include "piket/store/audit.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/page.hpp"
#include "piket/store/session.hpp"
#include "piket/web/address_buckets.hpp"
#include "piket/web/audit_log.hpp"
#include "piket/web/case_repository.hpp"
#include "piket/web/client_address.hpp"
#include "piket/web/cookies.hpp"
#include "piket/web/login_guard.hpp"
#include "piket/web/principal.hpp"
#include "piket/web/refusal_tally.hpp"
#include "piket/web/session_store.hpp"
#include "piket/web/web_api.hpp"

namespace piket::web::api {

namespace json = boost::json;
using common::HttpRequest;
using common::HttpResponse;

// piket_web_family_form_total{outcome} (the family's contact form, issue 18):
// shown, stored (urgent: of those, marked urgent), unknown (a link that does
// not work), limited (over the link's rate), address_limited, refused (a field).
struct FamilyFormCounters {
  explicit FamilyFormCounters(common::Metrics& m);
  prometheus::Counter* shown;
  prometheus::Counter* stored;
  prometheus::Counter* urgent;
  prometheus::Counter* unknown;
  prometheus::Counter* limited;
  prometheus::Counter* address_limited;
  prometheus::Counter* refused;
};
// The contact form per client address: a burst of this many requests, then
// as many an hour (family_form, web_family_form.cpp).
inline constexpr double kFamilyFormPerAddress = 30;

// Made once; shared by every request (the stores are thread-safe).
struct WebContext {
  explicit WebContext(WebDeps deps);

  WebDeps d;
  SessionStore sessions;
  LoginGuard guard;
  AuditLog audit;
  CaseRepository repo;
  SessionCookie cookie;
  ClientAddress addresses;
  AddressBuckets strangers;       // requests refused without a session, per address
  RefusalTally tally;             // …and their aggregated audit entries
  AddressBuckets family_senders;  // the family's contact form, per address
  FamilyFormCounters family_form;
  std::string dummy_hash;  // verified for unknown accounts: same time, no oracle
  prometheus::Counter& logins_ok;
  prometheus::Counter& logins_refused;
  prometheus::Counter& logins_delayed;
  prometheus::Counter& logins_address_blocked;
  prometheus::Counter& password_checks;
  prometheus::Counter& refusals;
  prometheus::Counter& unauthenticated;
  prometheus::Counter& unauthenticated_limited;
  prometheus::Histogram& latency;

  const rota::PersonConfig* person(const std::string& id) const { return d.directory.person(id); }
  // The person's display name, or the id.
  std::string name(const std::string& id) const;
};

// One request: who asks, and what (the action, for the audit trail).
struct Request {
  const HttpRequest& req;
  std::string token;  // the session cookie's value, if any
  std::optional<Session> session;
  std::optional<Principal> who;  // set for every route but sign-in
  std::string action;            // for the audit trail
  std::string from;              // the client's address (ClientAddress)
  std::string id;                // the route's {id} segment, if any
};

// ---- answers ------------------------------------------------------------------
HttpResponse json_response(const json::value& v, int status = 200);
std::int64_t ms(common::Instant t);
// A string member of `o`, or empty.
std::string text(const json::object& o, const char* key);
// The value of `key` in a query string when it is a plain id (letters, digits,
// - and _, at most 64), "-invalid-" when it is something else, empty when absent.
std::string_view query_param(std::string_view query, std::string_view key);
std::string retry_after_seconds(common::Millis wait);
std::string default_region(const Principal& p);

// ---- the audit trail and refusals -----------------------------------------------
AuditRecord record(const Request& r, std::string target, std::string outcome, std::string reason);
void allowed(WebContext& w, const Request& r, std::string target, std::string detail = {});
// A refusal. Of a signed-in person: its own audit entry, at once. Of a request
// without a session: counted per address and minute (RefusalTally) and
// limited per address — with the bucket empty, 429.
HttpResponse refuse(WebContext& w, const Request& r, int status, std::string_view code,
                    std::string_view message, std::string target, std::string reason = {});
// A change the owning service made (audited, the board's version bumped,
// confirmed by replicas: confirm_change) or refused (audited; its refusal
// passed on).
HttpResponse from_outcome(WebContext& w, const Request& r, const ActionOutcome& o,
                          const std::string& target, const std::string& detail);
// The end of a change the app answers for (docs/availability.md, "Durable
// answers"): the board's version moves on (live views reload) and, with
// [redis] min_replicas, the answer waits (WAIT) until that many replicas
// have that write — the request's last, so they have the change written
// before it too. Throws common::RedisNotReplicatedError when they do not in
// time: the change is recorded on the primary, not confirmed (503
// not_replicated, WebApi::handle).
void confirm_change(WebContext& w);

// ---- request checks -------------------------------------------------------------
// A state-changing request must come from our own page: no foreign Origin or
// Sec-Fetch-Site, and JSON.
std::optional<HttpResponse> check_origin(WebContext& w, const Request& r);
// check_origin, and the session's CSRF token in X-CSRF-Token.
std::optional<HttpResponse> check_csrf(WebContext& w, const Request& r);
// Before a change the app answers for, with [redis] min_replicas: the primary
// must have that many replicas connected, or the request is refused at once
// (503 not_replicated, audited) with nothing changed — rather than a change
// half made and then not confirmed.
std::optional<HttpResponse> check_replicas(WebContext& w, const Request& r);
// The body as a JSON object (an empty body is {}), or the 400 answer.
std::variant<json::object, HttpResponse> body_object(const Request& r);
// The route's case checked for the person recording in it (may_record_event):
// a refusal (404 or 403, audited) otherwise.
std::optional<HttpResponse> refused_record_in_case(WebContext& w, const Request& r);
// A body's fields all text and each one of `known`; else a 422 naming the
// first at fault (`what`: "an agreement", for its message).
std::optional<HttpResponse> string_fields(const json::object& o,
                                          std::initializer_list<std::string_view> known,
                                          std::string_view what);

}  // namespace piket::web::api
