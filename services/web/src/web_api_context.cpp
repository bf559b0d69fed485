#include "web_api_context.hpp"

#include <algorithm>
#include <regex>

#include "piket/common/crypto.hpp"
#include "piket/common/redis_health.hpp"
#include "piket/web/access_policy.hpp"
#include "piket/web/live_updates.hpp"
#include "piket/web/password.hpp"

namespace piket::web::api {
namespace {

bool is_json(std::string_view content_type) {
  const auto semi = content_type.find(';');
  auto t = content_type.substr(0, semi);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  return t == "application/json";
}

HttpResponse refuse_stranger(WebContext& w, const Request& r, int status, std::string_view code,
                             std::string_view message) {
  w.tally.count(r.from);
  const auto take = w.strangers.take(r.from);
  if (take.allowed) {
    w.unauthenticated.Increment();
    return common::error_response(status, code, message);
  }
  w.unauthenticated_limited.Increment();
  auto answer = common::error_response(429, "rate_limited", "too many requests; retry later");
  answer.headers.emplace_back("Retry-After", retry_after_seconds(take.retry_after));
  return answer;
}

// The dummy hash uses the parameters of the first configured hash, so that an
// unknown account costs what a known one does.
std::string dummy_hash_for(const rota::Directory& directory) {
  Argon2Params params;
  for (const auto& p : directory.people)
    if (!p.password_argon2.empty()) {
      std::smatch m;
      const std::regex re{"m=([0-9]+),t=([0-9]+),p=([0-9]+)"};
      if (std::regex_search(p.password_argon2, m, re)) {
        params.memory_kib = static_cast<std::uint32_t>(std::stoul(m[1]));
        params.time_cost = static_cast<std::uint32_t>(std::stoul(m[2]));
        params.parallelism = static_cast<std::uint32_t>(std::stoul(m[3]));
      }
      break;
    }
  return hash_password("not-a-password-of-anyone", params);
}

}  // namespace

WebContext::WebContext(WebDeps deps)
    : d(std::move(deps)),
      sessions(d.redis, d.real_clock, d.config.session_idle, d.config.session_max),
      guard(d.redis, d.real_clock,
            LoginLimits{d.config.max_failures, d.config.lockout, d.config.remote_max_failures,
                        d.config.max_delay}),
      audit(d.redis, d.real_clock, d.domain_clock),
      repo(d.redis),
      cookie(session_cookie(d.config.cookie_secure)),
      addresses(d.config.trusted_proxies),
      strangers(d.real_clock, d.config.unauthenticated_per_second, d.config.unauthenticated_burst),
      tally(d.redis, d.real_clock, audit),
      family_senders(d.real_clock, kFamilyFormPerAddress / 3600, kFamilyFormPerAddress),
      family_form(d.metrics),
      dummy_hash(dummy_hash_for(d.directory)),
      logins_ok(d.metrics.counter("piket_web_logins_total", "Sign-ins", {{"outcome", "ok"}})),
      logins_refused(
          d.metrics.counter("piket_web_logins_total", "Sign-ins", {{"outcome", "refused"}})),
      logins_delayed(d.metrics.counter("piket_web_logins_total", "Sign-ins",
                                       {{"outcome", "account_delayed"}})),
      logins_address_blocked(d.metrics.counter("piket_web_logins_total", "Sign-ins",
                                               {{"outcome", "address_blocked"}})),
      password_checks(d.metrics.counter("piket_web_password_checks_total",
                                        "Passwords checked (Argon2id) at sign-in", {})),
      refusals(d.metrics.counter("piket_web_refusals_total", "Refused API requests", {})),
      unauthenticated(d.metrics.counter("piket_web_unauthenticated_total",
                                        "Requests refused without a session",
                                        {{"outcome", "refused"}})),
      unauthenticated_limited(d.metrics.counter("piket_web_unauthenticated_total",
                                                "Requests refused without a session",
                                                {{"outcome", "rate_limited"}})),
      latency(d.metrics.latency("piket_web_api_seconds", "API request handling time")) {}

std::string WebContext::name(const std::string& id) const {
  const auto* p = person(id);
  return p ? p->display_name : id;
}

HttpResponse json_response(const json::value& v, int status) {
  HttpResponse r;
  r.status = status;
  r.body = json::serialize(v);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

std::int64_t ms(common::Instant t) {
  return common::to_epoch_ms(t);
}

std::string text(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string_view query_param(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key && eq != std::string_view::npos) {
      auto v = pair.substr(eq + 1);
      // Region ids are plain ids: anything needing decoding is not one.
      if (v.size() <= 64 && std::all_of(v.begin(), v.end(), [](char ch) {
            return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_';
          }))
        return v;
      return "-invalid-";
    }
  }
  return {};
}

std::string retry_after_seconds(common::Millis wait) {
  return std::to_string(std::max<long long>(1, (wait.count() + 999) / 1000));
}

std::string default_region(const Principal& p) {
  return p.regions.empty() ? std::string() : p.regions.front();
}

AuditRecord record(const Request& r, std::string target, std::string outcome, std::string reason) {
  AuditRecord a;
  a.who = r.who ? r.who->person : "-";
  a.role = r.who ? std::string(to_string(r.who->role)) : "-";
  a.action = r.action;
  a.target = std::move(target);
  a.outcome = std::move(outcome);
  a.reason = std::move(reason);
  a.from = r.from;
  return a;
}

void allowed(WebContext& w, const Request& r, std::string target, std::string detail) {
  w.audit.append(record(r, std::move(target), "allowed", std::move(detail)));
}

HttpResponse refuse(WebContext& w, const Request& r, int status, std::string_view code,
                    std::string_view message, std::string target, std::string reason) {
  w.refusals.Increment();
  if (!r.who) return refuse_stranger(w, r, status, code, message);
  w.audit.append(
      record(r, std::move(target), "refused", reason.empty() ? std::string(message) : reason));
  return common::error_response(status, code, message);
}

HttpResponse from_outcome(WebContext& w, const Request& r, const ActionOutcome& o,
                          const std::string& target, const std::string& detail) {
  if (o.ok()) {
    allowed(w, r, target, detail);
    confirm_change(w);
    return json_response(json::object{{"ok", true}, {"now", ms(w.d.domain_clock.now())}});
  }
  // Refused by the owning service (bad event, already acknowledged, …).
  w.audit.append(record(r, target, "refused", o.refusal->code + ": " + o.refusal->message));
  return common::to_response(*o.refusal);
}

void confirm_change(WebContext& w) {
  auto lease = w.d.redis.lease();
  lease->command({"INCR", std::string(store::kWebVersion)});
  if (!lease->wait_replicated())
    throw common::RedisNotReplicatedError(
        "a change in the web app is recorded but not yet on enough replicas");
}

std::optional<HttpResponse> check_replicas(WebContext& w, const Request& r) {
  std::optional<std::string> problem;
  {
    auto lease = w.d.redis.lease();
    if (lease->config().min_replicas <= 0) return std::nullopt;
    problem = common::redis_readiness_problem(*lease);
  }
  if (!problem) return std::nullopt;
  if (*problem == common::kRedisUnreachableProblem)
    return common::error_response(503, "storage_unavailable", "try again");
  auto answer = refuse(w, r, 503, "not_replicated",
                       "too few replicas of the store are connected; nothing was changed, try "
                       "again shortly",
                       std::string(r.req.path), *problem);
  answer.headers.emplace_back("Retry-After", "1");
  return answer;
}

std::optional<HttpResponse> check_origin(WebContext& w, const Request& r) {
  const auto origin = r.req.header("origin");
  if (!origin.empty()) {
    const auto host = r.req.header("host");
    if (origin != "http://" + std::string(host) && origin != "https://" + std::string(host))
      return refuse(w, r, 403, "cross_origin", "request from another origin", r.req.path,
                    "origin " + std::string(origin.substr(0, 100)));
  }
  const auto site = r.req.header("sec-fetch-site");
  if (!site.empty() && site != "same-origin" && site != "none")
    return refuse(w, r, 403, "cross_site", "cross-site request", r.req.path, "sec-fetch-site");
  if (!is_json(r.req.header("content-type")))
    return refuse(w, r, 415, "unsupported_media_type", "Content-Type must be application/json",
                  r.req.path);
  return std::nullopt;
}

std::optional<HttpResponse> check_csrf(WebContext& w, const Request& r) {
  if (auto answer = check_origin(w, r)) return answer;
  const auto token = r.req.header("x-csrf-token");
  if (token.empty() || !r.session || token.size() != r.session->csrf.size() ||
      !common::constant_time_equal(token, r.session->csrf))
    return refuse(w, r, 403, "csrf", "missing or wrong CSRF token", r.req.path, "csrf token");
  return std::nullopt;
}

std::variant<json::object, HttpResponse> body_object(const Request& r) {
  boost::system::error_code ec;
  auto v =
      json::parse(r.req.body.empty() ? std::string_view("{}") : std::string_view(r.req.body), ec);
  if (ec || !v.is_object())
    return common::error_response(400, "invalid_json", "the body must be a JSON object");
  return std::move(v.as_object());
}

std::optional<HttpResponse> refused_record_in_case(WebContext& w, const Request& r) {
  if (!is_case_id(r.id)) return refuse(w, r, 404, "not_found", "no such case", "-", "malformed id");
  auto facts = w.repo.facts(r.id, r.who->person);
  if (!facts) return refuse(w, r, 404, "not_found", "no such case", r.id, "no such case");
  if (auto dec = may_record_event(*r.who, *facts, w.d.domain_clock.now()); !dec)
    return refuse(w, r, 403, "forbidden", "not allowed to record in this case", r.id, dec.reason);
  return std::nullopt;
}

std::optional<HttpResponse> string_fields(const json::object& o,
                                          std::initializer_list<std::string_view> known,
                                          std::string_view what) {
  for (const auto& [k, v] : o) {
    if (std::find(known.begin(), known.end(), std::string_view(k)) == known.end())
      return common::error_response(422, "unknown_field",
                                    "this field is not part of " + std::string(what),
                                    std::string(k).substr(0, 64));
    if (!v.is_string())
      return common::error_response(422, "wrong_type", std::string(k) + " must be text",
                                    std::string(k));
  }
  return std::nullopt;
}

}  // namespace piket::web::api
