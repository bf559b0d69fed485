#include "piket/web/web_api.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <regex>
#include <set>

#include "piket/access/calendar_tokens.hpp"
#include "piket/common/crypto.hpp"
#include "piket/common/ops_endpoints.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_health.hpp"
#include "piket/common/reply_code.hpp"
#include "piket/dispatch/capacity_alert.hpp"
#include "piket/dispatch/redis_caseload.hpp"
#include "piket/inbound/page_answer.hpp"
#include "piket/rota/selection.hpp"
#include "piket/web/access_policy.hpp"
#include "piket/web/address_buckets.hpp"
#include "piket/web/audit_log.hpp"
#include "piket/web/case_repository.hpp"
#include "piket/web/charts.hpp"
#include "piket/web/client_address.hpp"
#include "piket/web/config_rota_source.hpp"
#include "piket/web/cookies.hpp"
#include "piket/web/labels.hpp"
#include "piket/web/live_updates.hpp"
#include "piket/web/local_time.hpp"
#include "piket/web/login_guard.hpp"
#include "piket/web/password.hpp"
#include "piket/web/refusal_tally.hpp"
#include "piket/web/session_store.hpp"

namespace piket::web {
namespace {

namespace json = boost::json;
using common::HttpRequest;
using common::HttpResponse;

const std::regex kPersonId{"^[a-z0-9][a-z0-9_-]{0,63}$"};
const std::regex kEscalationId{"^[A-Za-z0-9|:_.-]{1,200}$"};
constexpr std::size_t kMaxNote = 2000;

HttpResponse json_response(const json::value& v, int status = 200) {
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

bool is_json(std::string_view content_type) {
  const auto semi = content_type.find(';');
  auto t = content_type.substr(0, semi);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  return t == "application/json";
}

// The first path segment after `prefix`, and what follows it.
std::pair<std::string, std::string> split_id(std::string_view path, std::string_view prefix) {
  auto rest = path.substr(prefix.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return {std::string(rest), {}};
  return {std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
}

}  // namespace

struct WebApi::Impl {
  WebDeps d;
  SessionStore sessions;
  LoginGuard guard;
  AuditLog audit;
  CaseRepository repo;
  SessionCookie cookie;
  ClientAddress addresses;
  AddressBuckets strangers;  // requests refused without a session, per address
  RefusalTally tally;        // …and their aggregated audit entries
  std::string dummy_hash;    // verified for unknown accounts: same time, no oracle
  prometheus::Counter& logins_ok;
  prometheus::Counter& logins_refused;
  prometheus::Counter& logins_delayed;
  prometheus::Counter& logins_address_blocked;
  prometheus::Counter& password_checks;
  prometheus::Counter& refusals;
  prometheus::Counter& unauthenticated;
  prometheus::Counter& unauthenticated_limited;
  prometheus::Histogram& latency;

  explicit Impl(WebDeps deps)
      : d(std::move(deps)),
        sessions(d.redis, d.real_clock, d.config.web.session_idle, d.config.web.session_max),
        guard(d.redis, d.real_clock,
              LoginLimits{d.config.web.max_failures, d.config.web.lockout,
                          d.config.web.remote_max_failures, d.config.web.max_delay}),
        audit(d.redis, d.real_clock, d.domain_clock),
        repo(d.redis),
        cookie(session_cookie(d.config.web.cookie_secure)),
        addresses(d.config.web.trusted_proxies),
        strangers(d.real_clock, d.config.web.unauthenticated_per_second,
                  d.config.web.unauthenticated_burst),
        tally(d.redis, d.real_clock, audit),
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
        latency(d.metrics.latency("piket_web_api_seconds", "API request handling time")) {
    // The dummy uses the parameters of the first configured hash, so that an
    // unknown account costs what a known one does.
    Argon2Params params;
    for (const auto& p : d.config.people)
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
    dummy_hash = hash_password("not-a-password-of-anyone", params);
  }

  // ---- request context ------------------------------------------------------
  struct Ctx {
    const HttpRequest& req;
    std::string token;
    std::optional<Session> session;
    std::optional<Principal> who;
    std::string action;  // for the audit trail
    std::string from;    // the client's address (ClientAddress)
  };

  AuditRecord record(const Ctx& c, std::string target, std::string outcome, std::string reason) {
    AuditRecord r;
    r.who = c.who ? c.who->person : "-";
    r.role = c.who ? std::string(to_string(c.who->role)) : "-";
    r.action = c.action;
    r.target = std::move(target);
    r.outcome = std::move(outcome);
    r.reason = std::move(reason);
    r.from = c.from;
    return r;
  }
  void allowed(const Ctx& c, std::string target, std::string detail = {}) {
    audit.append(record(c, std::move(target), "allowed", std::move(detail)));
  }
  // A refusal. Of a signed-in person: its own audit entry, at once. Of a
  // request without a session: counted per address and minute (RefusalTally)
  // and limited per address — with the bucket empty, 429.
  HttpResponse refuse(const Ctx& c, int status, std::string_view code, std::string_view message,
                      std::string target, std::string reason = {}) {
    refusals.Increment();
    if (!c.who) return refuse_stranger(c, status, code, message);
    audit.append(
        record(c, std::move(target), "refused", reason.empty() ? std::string(message) : reason));
    return common::error_response(status, code, message);
  }

  HttpResponse refuse_stranger(const Ctx& c, int status, std::string_view code,
                               std::string_view message) {
    tally.count(c.from);
    const auto take = strangers.take(c.from);
    if (take.allowed) {
      unauthenticated.Increment();
      return common::error_response(status, code, message);
    }
    unauthenticated_limited.Increment();
    auto r = common::error_response(429, "rate_limited", "too many requests; retry later");
    r.headers.emplace_back("Retry-After", retry_after_seconds(take.retry_after));
    return r;
  }

  static std::string retry_after_seconds(common::Millis wait) {
    return std::to_string(std::max<long long>(1, (wait.count() + 999) / 1000));
  }

  const common::PersonConfig* person(const std::string& id) const { return d.config.person(id); }
  std::string name(const std::string& id) const {
    const auto* p = person(id);
    return p ? p->display_name : id;
  }

  // A state-changing request must come from our own page: the session's CSRF
  // token in X-CSRF-Token, JSON, and no foreign Origin.
  std::optional<HttpResponse> check_origin(const Ctx& c) {
    const auto origin = c.req.header("origin");
    if (!origin.empty()) {
      const auto host = c.req.header("host");
      if (origin != "http://" + std::string(host) && origin != "https://" + std::string(host))
        return refuse(c, 403, "cross_origin", "request from another origin", c.req.path,
                      "origin " + std::string(origin.substr(0, 100)));
    }
    const auto site = c.req.header("sec-fetch-site");
    if (!site.empty() && site != "same-origin" && site != "none")
      return refuse(c, 403, "cross_site", "cross-site request", c.req.path, "sec-fetch-site");
    if (!is_json(c.req.header("content-type")))
      return refuse(c, 415, "unsupported_media_type", "Content-Type must be application/json",
                    c.req.path);
    return std::nullopt;
  }
  std::optional<HttpResponse> check_csrf(const Ctx& c) {
    if (auto r = check_origin(c)) return r;
    const auto token = c.req.header("x-csrf-token");
    if (token.empty() || !c.session || token.size() != c.session->csrf.size() ||
        !common::constant_time_equal(token, c.session->csrf))
      return refuse(c, 403, "csrf", "missing or wrong CSRF token", c.req.path, "csrf token");
    return std::nullopt;
  }

  std::variant<json::object, HttpResponse> body_object(const Ctx& c) {
    boost::system::error_code ec;
    auto v =
        json::parse(c.req.body.empty() ? std::string_view("{}") : std::string_view(c.req.body), ec);
    if (ec || !v.is_object())
      return common::error_response(400, "invalid_json", "the body must be a JSON object");
    return std::move(v.as_object());
  }

  // ---- sign-in ----------------------------------------------------------------
  json::object session_json(const Principal& p, const Session& s) {
    json::array regions;
    for (const auto& r : p.regions) regions.emplace_back(r);
    return {{"person", p.person},
            {"name", name(p.person)},
            {"role", to_string(p.role)},
            {"regions", regions},
            {"csrf", s.csrf},
            {"clock_mode", d.config.clock == common::ClockMode::simulated ? "simulated" : "system"},
            {"now", ms(d.domain_clock.now())}};
  }

  HttpResponse login(Ctx& c) {
    c.action = "login";
    if (auto r = check_origin(c)) return *r;
    auto parsed = body_object(c);
    if (auto* r = std::get_if<HttpResponse>(&parsed)) return *r;
    const auto& o = std::get<json::object>(parsed);
    const auto account = text(o, "person");
    const auto password = text(o, "password");
    if (account.empty() || password.empty() || password.size() > 1024 || account.size() > 256)
      return common::error_response(422, "missing_credentials", "give person and password");
    const bool known_id = std::regex_match(account, kPersonId);
    const auto* p = known_id ? person(account) : nullptr;
    const std::string target = p ? account : "unknown account";
    // Counted as a failure before the password is checked (atomically), so
    // concurrent attempts never check more passwords than the limits allow.
    if (const auto admission = guard.admit(account, c.from); !admission) {
      logins_refused.Increment();
      const bool address = admission.kind == LoginGuard::Admission::Kind::address_blocked;
      (address ? logins_address_blocked : logins_delayed).Increment();
      auto r = refuse(c, 429, "too_many_attempts",
                      address ? "too many failed sign-ins from this address; try again later"
                              : "too many failed sign-ins for this account; try again shortly",
                      target);
      if (r.status == 429 && std::none_of(r.headers.begin(), r.headers.end(),
                                          [](const auto& h) { return h.first == "Retry-After"; }))
        r.headers.emplace_back("Retry-After", retry_after_seconds(admission.retry_after));
      return r;
    }
    const bool can = p && !p->password_argon2.empty();
    password_checks.Increment();
    const bool ok = verify_password(can ? p->password_argon2 : dummy_hash, password) && can;
    if (!ok) {
      logins_refused.Increment();
      refusals.Increment();
      // One entry each: bounded by the address limit (LoginGuard).
      audit.append(
          record(c, target, "refused", can ? "wrong password" : "no such account or no password"));
      return common::error_response(401, "wrong_credentials", "unknown person or wrong password");
    }
    guard.succeeded(account, c.from);
    auto created = sessions.create(p->id, c.from);
    c.who = principal_for(d.config, p->id);
    c.session = created.session;
    allowed(c, p->id);
    logins_ok.Increment();
    spdlog::info("{} signed in", p->id);
    auto r = json_response(session_json(*c.who, created.session));
    r.headers.emplace_back("Set-Cookie", set_session_cookie(cookie, created.token));
    return r;
  }

  HttpResponse logout(Ctx& c) {
    sessions.destroy(c.token);
    d.hub.close_session(SessionStore::session_key(c.token));  // its live streams end too
    allowed(c, c.who->person);
    auto r = json_response(json::object{{"signed_out", true}});
    r.headers.emplace_back("Set-Cookie", clear_session_cookie(cookie));
    return r;
  }

  // ---- the event stream ----------------------------------------------------------
  WebReply events(Ctx& c) {
    WebReply w;
    w.response.status = 200;
    const auto person_id = c.who->person;
    json::object hello{{"now", ms(d.domain_clock.now())},
                       {"digest", d.digest ? d.digest() : std::string()}};
    auto first = sse_frame("hello", json::serialize(hello));
    auto* hub = &d.hub;
    const auto session = SessionStore::session_key(c.token);
    w.stream = [hub, person_id, first, session](std::shared_ptr<EventChannel> ch) {
      ch->send("retry: 1000\n\n");
      ch->send(first);
      hub->add(person_id, std::move(ch), session);
    };
    return w;
  }

  // ---- views ----------------------------------------------------------------------
  json::object clock_json(const ClockView& k, const CaseSummary* s) {
    json::object o{{"case", k.case_id},      {"clock", k.clock}, {"label", k.label},
                   {"due_at", ms(k.due_at)}, {"state", k.state}, {"recipient", k.recipient}};
    if (!k.incident.empty()) {  // clocks per incident: which incident the clock answers
      o["incident"] = k.incident;
      o["incident_kind"] = kind_label(k.incident_kind);
      o["incident_at"] = ms(k.incident_at);
    }
    if (s) {
      o["casemanager"] = s->casemanager;
      o["phase"] = phase_label(s->phase);
      o["kind"] = kind_label(s->kind);
    }
    return o;
  }

  std::string default_region(const Principal& p) const {
    return p.regions.empty() ? std::string() : p.regions.front();
  }

  HttpResponse board(Ctx& c) {
    auto region = std::string(query_param(c.req.query, "region"));
    if (region.empty()) region = default_region(*c.who);
    if (auto dec = may_view_region(*c.who, region); !dec)
      return refuse(c, 403, "forbidden", "not allowed to see this board", region, dec.reason);
    const auto now = d.domain_clock.now();
    const auto open = repo.open_cases(region);
    std::map<std::string, const CaseSummary*> by_id;
    std::vector<std::string> ids;
    for (const auto& s : open) {
      by_id[s.id] = &s;
      ids.push_back(s.id);
    }
    json::array clocks;
    for (const auto& k : d.cases.clocks(ids, now)) {
      auto it = by_id.find(k.case_id);
      clocks.push_back(clock_json(k, it == by_id.end() ? nullptr : it->second));
    }
    json::array escalations;
    for (const auto& e : d.cases.open_escalations(region))
      escalations.push_back(json::object{{"id", e.id},
                                         {"case", e.case_id},
                                         {"clock", e.clock},
                                         {"label", e.label},
                                         {"at", ms(e.at)},
                                         {"to", e.to}});
    const auto rota = d.rota.picture(region, now, 14);
    json::array on_call, handoffs, gaps, overrides;
    for (const auto& l : rota.now) {
      json::array people(l.people.begin(), l.people.end());
      json::object o{{"layer", l.layer}, {"people", people}};
      o["until"] = l.until ? json::value(ms(*l.until)) : json::value(nullptr);
      on_call.push_back(std::move(o));
    }
    for (const auto& h : rota.handoffs)
      handoffs.push_back(json::object{
          {"layer", h.layer}, {"person", h.person}, {"at", ms(h.at)}, {"goes_on", h.goes_on}});
    for (const auto& g : rota.gaps)
      gaps.push_back(
          json::object{{"layer", g.layer}, {"from", ms(g.from)}, {"until", ms(g.until)}});
    for (const auto& o : rota.overrides)
      overrides.push_back(json::object{{"id", o.id},
                                       {"layer", o.layer},
                                       {"reason", o.reason},
                                       {"person", o.person},
                                       {"replaces", o.replaces},
                                       {"start", ms(o.start)},
                                       {"end", ms(o.end)},
                                       {"by", o.by}});
    json::array caseload, people;
    std::map<std::string, double> load;  // weighted caseload per casemanager (the cap's count)
    {
      auto lease = d.redis.lease();
      dispatch::RedisCaseload counts(*lease);
      const double weight = d.config.caseload.monitoring_weight;
      for (const auto& p : d.config.people) {
        if (std::find(p.regions.begin(), p.regions.end(), region) == p.regions.end()) continue;
        if (p.role == common::StaffRole::admin) continue;
        people.push_back(json::object{
            {"id", p.id}, {"name", p.display_name}, {"role", to_string(role_of(p.role))}});
        if (p.role != common::StaffRole::casemanager) continue;
        load[p.id] = rota::weighted_caseload(counts, p.id, weight);
        caseload.push_back(json::object{{"person", p.id},
                                        {"open", counts.open_cases(p.id)},
                                        {"monitoring", counts.monitoring_cases(p.id)},
                                        {"load", load[p.id]},
                                        {"cap", p.caseload_cap}});
      }
    }
    const auto capacity = capacity_json(region, rota, load);
    const auto returning = returning_json(region, now);
    json::array cases;
    for (const auto& s : open)
      cases.push_back(json::object{{"id", s.id},
                                   {"casemanager", s.casemanager},
                                   {"phase", phase_label(s.phase)},
                                   {"kind", kind_label(s.kind)}});
    json::array regions;
    for (const auto& r : c.who->regions) {
      const auto* reg = d.config.region(r);
      regions.push_back(
          json::object{{"id", r}, {"name", reg && !reg->name.empty() ? reg->name : r}});
    }
    // Numbers locked out of SMS answers after wrong reply codes (inbound):
    // the team lead knows to expect answers in the app, or a phone in wrong hands.
    json::array sms_locked;
    {
      auto lease = d.redis.lease();
      for (const auto& l : inbound::locked_numbers(*lease, now)) {
        const auto* p = d.config.person(l.person);
        if (!p || std::find(p->regions.begin(), p->regions.end(), region) == p->regions.end())
          continue;
        sms_locked.push_back(json::object{{"person", l.person},
                                          {"number", common::mask_phone(p->phone)},
                                          {"until", ms(l.until)}});
      }
    }
    const auto* reg = d.config.region(region);
    allowed(c, region, std::to_string(open.size()) + " open cases");
    return json_response(
        json::object{{"region", region},
                     {"region_name", reg && !reg->name.empty() ? reg->name : region},
                     {"regions", regions},
                     {"now", ms(now)},
                     {"clocks", clocks},
                     {"escalations", escalations},
                     {"on_call", on_call},
                     {"handoffs", handoffs},
                     {"gaps", gaps},
                     {"overrides", overrides},
                     {"caseload", caseload},
                     {"capacity", capacity},
                     {"returning", returning},
                     {"people", people},
                     {"cases", cases},
                     {"sms_locked", sms_locked}});
  }

  // The caseload cap as a coverage problem (dispatch/capacity_alert.hpp):
  // now, every on-call primary casemanager at their cap; and what dispatch
  // noted — since when, how many incidents went past the on-call layer.
  json::object capacity_json(const std::string& region, const RotaPicture& rota,
                             const std::map<std::string, double>& load) {
    bool any = false, all_at_cap = true;
    for (const auto& l : rota.now) {
      if (l.layer != "primary") continue;
      for (const auto& id : l.people) {
        const auto* p = person(id);
        const auto it = load.find(id);
        if (!p || it == load.end()) continue;
        any = true;
        all_at_cap = all_at_cap && it->second >= p->caseload_cap;
      }
    }
    json::object o{{"on_call_at_cap", any && all_at_cap},
                   {"since", nullptr},
                   {"past_on_call", 0},
                   {"episodes", 0}};
    auto lease = d.redis.lease();
    const auto r =
        lease->pipeline({{"HMGET", dispatch::capacity_key(region), "since", "past_on_call"},
                         {"LLEN", dispatch::capacity_history_key(region)}});
    if (r.at(0).elements.size() == 2 && !r.at(0).elements[0].is_nil()) {
      o["since"] = std::stoll(r.at(0).elements[0].str);
      o["past_on_call"] = std::stoll(r.at(0).elements[1].opt_string().value_or("0"));
    }
    o["episodes"] = r.at(1).integer;
    return o;
  }

  // Families that came back (a new case within a year of their earlier case
  // closing), counted over the last twelve months (ingest's acceptance
  // script keeps `returns:{region}`).
  json::object returning_json(const std::string& region, common::Instant now) {
    const auto since = ms(now - std::chrono::hours{24 * 365});
    auto lease = d.redis.lease();
    const auto n = lease->command({"ZCOUNT", "returns:" + region, std::to_string(since), "+inf"});
    return json::object{{"within_year", n.integer}, {"window_days", 365}};
  }

  HttpResponse charts(Ctx& c) {
    auto region = std::string(query_param(c.req.query, "region"));
    if (region.empty()) region = default_region(*c.who);
    if (auto dec = may_view_region(*c.who, region); !dec)
      return refuse(c, 403, "forbidden", "not allowed to see this region", region, dec.reason);
    std::vector<CaseHistory> history;
    for (auto& [summary, timeline] : repo.history(region))
      history.push_back({summary.id, std::move(timeline)});
    const auto now = d.domain_clock.now();
    auto o = to_json(compute_charts(history, now));
    o["now"] = ms(now);
    allowed(c, region, "charts over " + std::to_string(history.size()) + " cases");
    return json_response(o);
  }

  HttpResponse my(Ctx& c) {
    if (c.who->role == Role::admin)
      return refuse(c, 403, "forbidden", "admins see no case content", c.who->person,
                    "admins see no case content");
    const auto now = d.domain_clock.now();
    const auto ids = repo.cases_of(c.who->person);
    json::array pages, cases;
    std::vector<std::string> mine;
    std::vector<std::string> page_ids;
    std::map<std::string, CaseSummary> summaries;
    for (const auto& id : ids) {
      // Pages sent to the person are theirs to see (they carry no person
      // data); the cases listed are their own.
      auto rec = repo.load(id, c.who->person);
      if (!rec) continue;
      for (const auto& p : rec->pages)
        if (p.person == c.who->person && !p.info && !p.acknowledged_at && !p.declined_at &&
            p.state != "failed" && p.state != "cancelled" && p.state != "superseded")
          pages.push_back(json::object{{"id", p.id},
                                       {"case", p.case_id},
                                       {"created_at", p.created_at},
                                       {"kind_label", kind_label(rec->summary.kind)},
                                       {"rule_label", p.rule}});
      if (rec->summary.casemanager == c.who->person) mine.push_back(id);
      summaries[id] = rec->summary;
    }
    auto clocks = d.cases.clocks(mine, now);
    for (const auto& id : mine) {
      const auto& s = summaries[id];
      json::array k;
      for (const auto& x : clocks)
        if (x.case_id == id) k.push_back(clock_json(x, nullptr));
      cases.push_back(json::object{{"id", id},
                                   {"phase", s.phase},
                                   {"phase_label", phase_label(s.phase)},
                                   {"kind_label", kind_label(s.kind)},
                                   {"clocks", k}});
    }
    allowed(c, c.who->person, std::to_string(ids.size()) + " cases listed");
    return json_response(json::object{{"now", ms(now)}, {"pages", pages}, {"cases", cases}});
  }

  HttpResponse read_case(Ctx& c, const std::string& id) {
    const auto now = d.domain_clock.now();
    auto facts = repo.facts(id, c.who->person);
    if (!facts) return refuse(c, 404, "not_found", "no such case", id, "no such case");
    const auto may_read = may_read_case(*c.who, *facts, now);
    if (!may_read)
      return refuse(c, 403, "forbidden", "not allowed to see this case", id, may_read.reason);
    auto rec = repo.load(id, c.who->person);
    if (!rec) return refuse(c, 404, "not_found", "no such case", id, "no such case");
    json::array persons, summaries, timeline, clocks, types;
    for (const auto& inc : rec->incidents) {
      if (const auto* ps = inc.body.if_contains("persons"); ps && ps->is_array())
        for (const auto& p : ps->as_array())
          if (p.is_object()) {
            const auto& o = p.as_object();
            persons.push_back(json::object{{"role", text(o, "role")},
                                           {"name", text(o, "name")},
                                           {"phone", text(o, "phone")},
                                           {"address", text(o, "address")}});
          }
      if (auto s = text(inc.body, "summary"); !s.empty()) summaries.emplace_back(s);
    }
    for (const auto& e : rec->timeline) {
      const auto* at = e.if_contains("at");
      json::object t{{"at", at && at->is_number() ? at->to_number<std::int64_t>() : 0},
                     {"type", text(e, "type")},
                     {"text", describe_event(e, d.config)}};
      if (auto note = text(e, "note"); !note.empty())
        t["text"] = describe_event(e, d.config) + ": " + note;
      if (auto from = text(e, "case"); !from.empty()) {  // of a case joined into this one
        t["case"] = from;
        t["text"] = "[" + from + "] " + std::string(t["text"].as_string());
      }
      timeline.push_back(std::move(t));
    }
    for (const auto& k : d.cases.clocks({id}, now)) clocks.push_back(clock_json(k, &rec->summary));
    json::array incidents;  // kinds and times only: what an event can answer
    for (const auto& inc : rec->incidents)
      incidents.push_back(json::object{{"id", inc.id},
                                       {"kind", inc.kind},
                                       {"kind_label", kind_label(inc.kind)},
                                       {"at", inc.accepted_at}});
    const bool can_record = rec->facts.open && may_record_event(*c.who, rec->facts, now).allowed;
    if (can_record)
      for (const auto& t : d.cases.event_types())
        types.push_back(json::object{{"type", t.type}, {"label", t.label}});
    const auto* reg = d.config.region(rec->summary.region);
    allowed(c, id, may_read.reason);
    json::array previous, joined;
    for (const auto& p : rec->family.previous_cases) previous.emplace_back(p);
    for (const auto& j : rec->family.joined_cases) joined.emplace_back(j);
    return json_response(json::object{
        {"id", id},
        {"previous_cases", previous},
        {"joined_cases", joined},
        {"merged_into", rec->family.merged_into},
        {"can_join", rec->facts.open && may_reassign_case(*c.who, rec->facts, now).allowed},
        {"region", rec->summary.region},
        {"region_name", reg && !reg->name.empty() ? reg->name : rec->summary.region},
        {"phase", rec->summary.phase},
        {"phase_label", phase_label(rec->summary.phase)},
        {"state", rec->summary.state},
        {"casemanager", rec->summary.casemanager},
        {"casemanager_name",
         rec->summary.casemanager.empty() ? "" : name(rec->summary.casemanager)},
        {"opened_at", rec->summary.opened_at},
        {"now", ms(now)},
        {"persons", persons},
        {"summaries", summaries},
        {"timeline", timeline},
        {"clocks", clocks},
        {"incidents", incidents},
        {"can_record", can_record},
        {"can_reassign", rec->facts.open && may_reassign_case(*c.who, rec->facts, now).allowed},
        {"event_types", types}});
  }

  HttpResponse from_outcome(Ctx& c, const ActionOutcome& o, const std::string& target,
                            const std::string& detail) {
    if (o.ok()) {
      allowed(c, target, detail);
      d.redis.lease()->command({"INCR", kWebVersionKey});
      return json_response(json::object{{"ok", true}, {"now", ms(d.domain_clock.now())}});
    }
    // Refused by the owning service (bad event, already acknowledged, …).
    audit.append(record(c, target, "refused", o.refusal->code + ": " + o.refusal->message));
    return common::to_response(*o.refusal);
  }

  HttpResponse record_event(Ctx& c, const std::string& id) {
    auto facts = repo.facts(id, c.who->person);
    if (!facts) return refuse(c, 404, "not_found", "no such case", id, "no such case");
    if (auto dec = may_record_event(*c.who, *facts, d.domain_clock.now()); !dec)
      return refuse(c, 403, "forbidden", "not allowed to record in this case", id, dec.reason);
    auto parsed = body_object(c);
    if (auto* r = std::get_if<HttpResponse>(&parsed)) return *r;
    const auto& o = std::get<json::object>(parsed);
    const auto type = text(o, "type");
    const auto note = text(o, "note");
    if (note.size() > kMaxNote)
      return common::error_response(422, "too_long", "the note is longer than 2000 characters",
                                    "note");
    const auto types = d.cases.event_types();
    if (std::none_of(types.begin(), types.end(),
                     [&](const EventType& t) { return t.type == type; }))
      return common::error_response(422, "unknown_event", "unknown event type", "type");
    auto at = d.domain_clock.now();
    if (auto local = text(o, "at_local"); !local.empty()) {
      auto t = parse_amsterdam_local(local);
      if (!t)
        return common::error_response(422, "invalid_time", "give the time as YYYY-MM-DDTHH:MM",
                                      "at_local");
      at = *t;
    }
    const auto incident = text(o, "incident");  // optional: which incident this answers
    if (!incident.empty() && !common::is_incident_id(incident))
      return common::error_response(422, "unknown_incident", "no such incident on this case",
                                    "incident");
    return from_outcome(c, d.cases.record_event(id, c.who->person, type, at, note, incident), id,
                        type);
  }

  HttpResponse reassign(Ctx& c, const std::string& id) {
    auto facts = repo.facts(id, c.who->person);
    if (!facts) return refuse(c, 404, "not_found", "no such case", id, "no such case");
    if (auto dec = may_reassign_case(*c.who, *facts, d.domain_clock.now()); !dec)
      return refuse(c, 403, "forbidden", "not allowed to reassign this case", id, dec.reason);
    auto parsed = body_object(c);
    if (auto* r = std::get_if<HttpResponse>(&parsed)) return *r;
    const auto to = text(std::get<json::object>(parsed), "to");
    const auto* p = person(to);
    if (!p || p->role != common::StaffRole::casemanager ||
        std::find(p->regions.begin(), p->regions.end(), facts->region) == p->regions.end())
      return common::error_response(422, "unknown_casemanager", "not a casemanager of the region",
                                    "to");
    if (to == facts->casemanager)
      return common::error_response(422, "same_casemanager", "the case is already theirs", "to");
    return from_outcome(c, d.cases.reassign(id, to, c.who->person, "team lead"), id, "to " + to);
  }

  // A team lead joins another case of the family into this one, or splits
  // it off again (cases::CaseFamilies); audited either way.
  HttpResponse join_or_split(Ctx& c, const std::string& id, bool join) {
    auto facts = repo.facts(id, c.who->person);
    if (!facts) return refuse(c, 404, "not_found", "no such case", id, "no such case");
    // A team lead of the case's region; closed or merged cases are the cases
    // service's to refuse (409).
    if (auto dec = may_reassign_case(*c.who, *facts, d.domain_clock.now()); !dec)
      return refuse(c, 403, "forbidden",
                    join ? "not allowed to join cases here" : "not allowed to split cases here", id,
                    dec.reason);
    auto parsed = body_object(c);
    if (auto* r = std::get_if<HttpResponse>(&parsed)) return *r;
    const auto& o = std::get<json::object>(parsed);
    const auto other = text(o, "other_case_id");
    const auto reason = text(o, "reason");
    if (!is_case_id(other))
      return common::error_response(422, "unknown_case", "give the other case's id",
                                    "other_case_id");
    if (reason.empty() || reason.size() > 500)
      return common::error_response(422, "out_of_range", "give a reason (1-500 characters)",
                                    "reason");
    const auto out = join ? d.cases.join_cases(id, other, c.who->person, reason)
                          : d.cases.split_case(id, other, c.who->person, reason);
    return from_outcome(c, out, id, (join ? "joined " : "split off ") + other);
  }

  HttpResponse answer_page(Ctx& c, const std::string& id, bool acknowledge) {
    if (!is_page_id(id)) return refuse(c, 404, "not_found", "no such page", id, "no such page");
    auto pages = repo.pages({id});
    if (pages.empty()) return refuse(c, 404, "not_found", "no such page", id, "no such page");
    const auto& p = pages.front();
    if (p.person != c.who->person)
      return refuse(c, 403, "forbidden", "this page was not sent to you", id,
                    "not the paged person");
    // How it came, for the timeline: the session's hash prefix (never the token).
    const auto via = "session " + common::sha256_hex(c.token).substr(0, 8);
    return from_outcome(c,
                        acknowledge ? d.cases.acknowledge_page(id, c.who->person, via)
                                    : d.cases.decline_page(id, c.who->person, via),
                        id, "case " + p.case_id);
  }

  HttpResponse acknowledge_escalation(Ctx& c, const std::string& id) {
    if (!std::regex_match(id, kEscalationId))
      return refuse(c, 404, "not_found", "no such escalation", "-", "malformed id");
    auto e = d.cases.escalation(id);
    if (!e) return refuse(c, 404, "not_found", "no such escalation", id, "no such escalation");
    if (auto dec = may_view_region(*c.who, e->region); !dec)
      return refuse(c, 403, "forbidden", "not your region", id, dec.reason);
    return from_outcome(c, d.cases.acknowledge_escalation(id, c.who->person), id,
                        "case " + e->case_id);
  }

  HttpResponse add_override(Ctx& c) {
    auto parsed = body_object(c);
    if (auto* r = std::get_if<HttpResponse>(&parsed)) return *r;
    const auto& o = std::get<json::object>(parsed);
    auto region = text(o, "region");
    if (region.empty()) region = default_region(*c.who);
    if (auto dec = may_edit_rota(*c.who, region); !dec)
      return refuse(c, 403, "forbidden", "not allowed to change this rota", region, dec.reason);
    RotaOverride ov;
    ov.region = region;
    ov.replaces = text(o, "replaces");
    ov.person = text(o, "person");
    ov.reason = text(o, "reason");
    if (ov.reason != "sickness" && ov.reason != "swap")
      return common::error_response(422, "invalid_reason", "reason is sickness or swap", "reason");
    for (const auto* field : {"replaces", "person"}) {
      const auto* p = person(text(o, field));
      if (!p || p->role != common::StaffRole::casemanager ||
          std::find(p->regions.begin(), p->regions.end(), region) == p->regions.end())
        return common::error_response(422, "unknown_casemanager", "not a casemanager of the region",
                                      field);
    }
    if (ov.person == ov.replaces)
      return common::error_response(422, "same_person", "choose someone else to take over",
                                    "person");
    const auto now = d.domain_clock.now();
    ov.start = now;
    if (auto s = text(o, "from_local"); !s.empty()) {
      auto t = parse_amsterdam_local(s);
      if (!t)
        return common::error_response(422, "invalid_time", "give the time as YYYY-MM-DDTHH:MM",
                                      "from_local");
      ov.start = *t;
    }
    auto until = parse_amsterdam_local(text(o, "until_local"));
    if (!until)
      return common::error_response(422, "invalid_time", "give the time as YYYY-MM-DDTHH:MM",
                                    "until_local");
    ov.end = *until;
    if (ov.end <= ov.start || ov.end <= now)
      return common::error_response(422, "invalid_window", "until must lie after the start and now",
                                    "until_local");
    if (ov.end - ov.start > std::chrono::days{92})
      return common::error_response(422, "too_long", "an override lasts at most 92 days",
                                    "until_local");
    ov.layer = "primary";
    ov.by = c.who->person;
    ov.created_at = now;
    ov.id = new_override_id(now);
    d.rota.add_override(ov);
    allowed(c, region, ov.reason + ": " + ov.replaces + " -> " + ov.person);
    if (ov.reason == "sickness") {
      // The deadline engine learns of the absence and hands their running
      // clocks to the team lead until the cases are reassigned.
      const auto out = d.cases.mark_absent(ov.replaces, ov.start, ov.end, c.who->person);
      Ctx sub{c.req, c.token, c.session, c.who, "person.absence", c.from};
      if (out.ok())
        allowed(sub, ov.replaces, "absent until " + std::to_string(ms(ov.end)));
      else
        audit.append(record(sub, ov.replaces, "refused", out.refusal->code + ": " + out.refusal->message));
    }
    json::array moved;
    const auto* reassign_flag = o.if_contains("reassign_cases");
    if (reassign_flag && reassign_flag->is_bool() && reassign_flag->as_bool() && ov.start <= now) {
      for (const auto& s : repo.open_cases(region)) {
        if (s.casemanager != ov.replaces) continue;
        Ctx sub{c.req, c.token, c.session, c.who, "case.reassign", c.from};
        const auto out = d.cases.reassign(s.id, ov.person, c.who->person, ov.reason);
        if (out.ok()) {
          allowed(sub, s.id, ov.reason + ": to " + ov.person);
          moved.emplace_back(s.id);
        } else {
          audit.append(record(sub, s.id, "refused", out.refusal->code + ": " + out.refusal->message));
        }
      }
    }
    d.redis.lease()->command({"INCR", kWebVersionKey});
    return json_response(json::object{{"id", ov.id}, {"reassigned", moved}, {"now", ms(now)}}, 201);
  }

  // ---- calendar tokens ---------------------------------------------------------
  // A person's read-only key to their rota calendars (piket_access): made by
  // the person and shown once; listed and revoked by the person, a team lead
  // of one of their regions, or an admin.
  std::string calendar_url(const std::string& person_id, const std::string& token) const {
    std::string base = d.config.web.calendar_base_url;
    if (base.empty())
      base = "http://" + d.config.dispatch.http.host + ":" +
             std::to_string(d.config.dispatch.http.port);
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base + "/v1/rota/calendar/person/" + person_id + ".ics?token=" + token;
  }

  std::variant<std::string, HttpResponse> calendar_owner(Ctx& c, const std::string& requested) {
    if (requested.empty() || requested == c.who->person) return c.who->person;
    const auto* p = std::regex_match(requested, kPersonId) ? person(requested) : nullptr;
    if (!p) return refuse(c, 404, "not_found", "no such person", "-", "no such person");
    bool ok = c.who->role == Role::admin;
    if (c.who->role == Role::team_lead)
      for (const auto& r : p->regions) ok = ok || c.who->serves(r);
    if (!ok)
      return refuse(c, 403, "forbidden", "not allowed for this person's calendar tokens", requested,
                    "not their team lead or an admin");
    return requested;
  }

  HttpResponse calendar_list(Ctx& c) {
    auto owner = calendar_owner(c, std::string(query_param(c.req.query, "person")));
    if (auto* r = std::get_if<HttpResponse>(&owner)) return *r;
    const auto& who = std::get<std::string>(owner);
    json::array out;
    {
      auto lease = d.redis.lease();
      for (const auto& t : access::CalendarTokens(*lease).list(who))
        out.push_back(json::object{{"id", t.id}, {"created_at", ms(t.created_at)}, {"by", t.by}});
    }
    allowed(c, who, std::to_string(out.size()) + " calendar tokens");
    return json_response(json::object{
        {"person", who}, {"tokens", out}, {"max", access::kMaxCalendarTokensPerPerson}});
  }

  HttpResponse calendar_create(Ctx& c) {
    const auto& who = c.who->person;
    if (c.who->role == Role::admin)
      return refuse(c, 403, "forbidden", "admins have no rota calendar", who, "admin");
    std::optional<access::CalendarTokens::Created> created;
    {
      auto lease = d.redis.lease();
      created = access::CalendarTokens(*lease).create(who, who, d.real_clock.now());
    }
    if (!created)
      return refuse(c, 409, "too_many_tokens",
                    "you have the most calendar tokens allowed; revoke one first", who,
                    "at most " + std::to_string(access::kMaxCalendarTokensPerPerson));
    allowed(c, who, "calendar token " + created->info.id);  // never the token itself
    return json_response(json::object{{"id", created->info.id},
                                      {"token", created->token},
                                      {"created_at", ms(created->info.created_at)},
                                      {"url", calendar_url(who, created->token)}},
                         201);
  }

  HttpResponse calendar_revoke(Ctx& c) {
    auto parsed = body_object(c);
    if (auto* r = std::get_if<HttpResponse>(&parsed)) return *r;
    const auto& o = std::get<json::object>(parsed);
    auto owner = calendar_owner(c, text(o, "person"));
    if (auto* r = std::get_if<HttpResponse>(&owner)) return *r;
    const auto& who = std::get<std::string>(owner);
    const auto id = text(o, "id");
    bool revoked = false;
    {
      auto lease = d.redis.lease();
      revoked = access::CalendarTokens(*lease).revoke(who, id);
    }
    if (!revoked)
      return refuse(c, 404, "not_found", "no such calendar token", who, "no such calendar token");
    allowed(c, who, "calendar token " + id + " revoked");
    return json_response(json::object{{"revoked", id}});
  }

  HttpResponse admin_overview(Ctx& c) {
    if (auto dec = may_administer(*c.who); !dec)
      return refuse(c, 403, "forbidden", "admins only", "admin", dec.reason);
    json::array people;
    for (const auto& p : d.config.people)
      people.push_back(json::object{{"id", p.id},
                                    {"name", p.display_name},
                                    {"role", to_string(role_of(p.role))},
                                    {"regions", json::array(p.regions.begin(), p.regions.end())},
                                    {"can_sign_in", !p.password_argon2.empty()}});
    json::array deployment;
    auto kv = [&](const std::string& k, const std::string& v) {
      deployment.push_back(json::array{json::value(k), json::value(v)});
    };
    kv("name", d.config.deployment);
    kv("clock", d.config.clock == common::ClockMode::simulated ? "simulated" : "system");
    std::string regions;
    for (const auto& r : d.config.regions) regions += (regions.empty() ? "" : ", ") + r.id;
    kv("regions", regions);
    kv("people", std::to_string(d.config.people.size()));
    kv("partners", std::to_string(d.config.partners.size()));
    kv("open live streams", std::to_string(d.hub.size()));
    auto lease = d.redis.lease();
    const auto entries = lease->command({"LLEN", kAuditLogKey}).integer;
    allowed(c, "admin", "overview");
    return json_response(json::object{{"deployment", deployment},
                                      {"people", people},
                                      {"audit", json::object{{"entries", entries}}},
                                      {"now", ms(d.domain_clock.now())}});
  }

  HttpResponse admin_verify(Ctx& c) {
    if (auto dec = may_administer(*c.who); !dec)
      return refuse(c, 403, "forbidden", "admins only", "audit", dec.reason);
    ChainVerifier v;
    {
      auto lease = d.redis.lease();
      v = verify_audit_log(*lease);
    }
    allowed(c, "audit", v.ok() ? "intact" : "broken");
    json::object o{{"ok", v.ok()}, {"entries", v.entries()}};
    if (!v.ok()) {
      o["first_broken"] = *v.first_broken();
      o["reason"] = v.reason();
    }
    return json_response(o);
  }

  static std::string_view query_param(std::string_view query, std::string_view key) {
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

  // ---- routing ----------------------------------------------------------------------
  // The action name of an API route (for the audit trail), or empty if none.
  static std::string action_of(const std::string& method, std::string_view path) {
    if (path == "/api/session") return "session.read";
    if (path == "/api/logout") return "logout";
    if (path == "/api/events") return "events.open";
    if (path == "/api/board") return "board.read";
    if (path == "/api/charts") return "charts.read";
    if (path == "/api/my") return "cases.list";
    if (path == "/api/rota/overrides") return "rota.override";
    if (path == "/api/admin/overview") return "admin.read";
    if (path == "/api/admin/audit/verify") return "audit.verify";
    if (path == "/api/calendar/tokens")
      return method == "GET" ? "calendar.list" : "calendar.create";
    if (path == "/api/calendar/tokens/revoke") return "calendar.revoke";
    if (path.rfind("/api/cases/", 0) == 0) {
      const auto [id, rest] = split_id(path, "/api/cases/");
      if (rest.empty() && method == "GET") return "case.read";
      if (rest == "events") return "case.event";
      if (rest == "reassign") return "case.reassign";
      if (rest == "join") return "case.join";
      if (rest == "split") return "case.split";
      return {};
    }
    if (path.rfind("/api/pages/", 0) == 0) {
      const auto [id, rest] = split_id(path, "/api/pages/");
      if (rest == "ack") return "page.ack";
      if (rest == "decline") return "page.decline";
      return {};
    }
    if (path.rfind("/api/escalations/", 0) == 0) {
      const auto [id, rest] = split_id(path, "/api/escalations/");
      if (rest == "ack") return "escalation.ack";
    }
    return {};
  }

  static bool is_get(const std::string& action) {
    return action == "session.read" || action == "events.open" || action == "board.read" ||
           action == "charts.read" || action == "cases.list" || action == "case.read" ||
           action == "admin.read" || action == "calendar.list";
  }

  WebReply api(const HttpRequest& req) {
    Ctx c{req, {}, std::nullopt, std::nullopt, {}, addresses.of(req)};
    if (req.path == "/api/login") {
      if (req.method != "POST") return {method_not_allowed("POST"), {}};
      return {login(c), {}};
    }
    c.action = action_of(req.method, req.path);
    if (c.action.empty()) return {common::error_response(404, "not_found", "no such resource"), {}};
    const std::string want = is_get(c.action) ? "GET" : "POST";
    if (req.method != want) return {method_not_allowed(want), {}};
    // Who is asking: a live session, or nobody (refused, and audited).
    if (auto v = cookie_value(req.header("cookie"), cookie.name)) {
      c.token = *v;
      c.session = sessions.find(c.token);
      if (c.session) c.who = principal_for(d.config, c.session->person);
    }
    if (!c.who)
      return {refuse(c, 401, "unauthenticated", "sign in first", std::string(req.path),
                     c.token.empty() ? "no session" : "session expired or unknown"),
              {}};
    if (want == "POST")
      if (auto r = check_csrf(c)) return {*r, {}};
    if (c.action == "session.read") {
      auto r = json_response(session_json(*c.who, *c.session));
      return {r, {}};
    }
    if (c.action == "events.open") return events(c);
    if (c.action == "logout") return {logout(c), {}};
    if (c.action == "board.read") return {board(c), {}};
    if (c.action == "charts.read") return {charts(c), {}};
    if (c.action == "cases.list") return {my(c), {}};
    if (c.action == "rota.override") return {add_override(c), {}};
    if (c.action == "admin.read") return {admin_overview(c), {}};
    if (c.action == "audit.verify") return {admin_verify(c), {}};
    if (c.action == "calendar.list") return {calendar_list(c), {}};
    if (c.action == "calendar.create") return {calendar_create(c), {}};
    if (c.action == "calendar.revoke") return {calendar_revoke(c), {}};
    if (c.action.rfind("case.", 0) == 0) {
      const auto id = split_id(req.path, "/api/cases/").first;
      if (!is_case_id(id))
        return {refuse(c, 404, "not_found", "no such case", "-", "malformed id"), {}};
      if (c.action == "case.read") return {read_case(c, id), {}};
      if (c.action == "case.event") return {record_event(c, id), {}};
      if (c.action == "case.join" || c.action == "case.split")
        return {join_or_split(c, id, c.action == "case.join"), {}};
      return {reassign(c, id), {}};
    }
    if (c.action.rfind("page.", 0) == 0)
      return {answer_page(c, split_id(req.path, "/api/pages/").first, c.action == "page.ack"), {}};
    return {acknowledge_escalation(c, split_id(req.path, "/api/escalations/").first), {}};
  }

  static HttpResponse method_not_allowed(const std::string& allow) {
    auto r = common::error_response(405, "method_not_allowed", "method not allowed on this path");
    r.headers.emplace_back("Allow", allow);
    return r;
  }
};

WebApi::WebApi(WebDeps deps) : impl_(std::make_unique<Impl>(std::move(deps))) {}
WebApi::~WebApi() = default;

std::size_t WebApi::write_refusal_tally() {
  try {
    return impl_->tally.flush();
  } catch (const common::RedisError& e) {
    spdlog::warn("web: the refusal tally could not be written yet: {}", e.what());
    return 0;
  }
}

WebReply WebApi::handle(const HttpRequest& req) {
  auto& i = *impl_;
  const auto started = i.d.real_clock.now();
  WebReply reply;
  try {
    if (req.path.rfind("/api/", 0) == 0) {
      reply = i.api(req);
    } else if (auto ops = common::ops_endpoints(req, i.d.metrics, [&i] {
                 return common::redis_health_problem(*i.d.redis.lease());
               })) {
      reply.response = *ops;
    } else if (i.d.assets) {
      if (auto r = i.d.assets->serve(req))
        reply.response = *r;
      else
        reply.response = common::error_response(404, "not_found", "no such resource");
    } else {
      reply.response = common::error_response(404, "not_found", "no such resource");
    }
  } catch (const common::RedisError& e) {
    // Also when the audit entry could not be written: no answer without it.
    spdlog::error("web: redis unavailable: {}", e.what());
    reply = {common::error_response(503, "storage_unavailable", "try again"), {}};
  }
  if (!reply.stream && req.path.rfind("/api/", 0) == 0) {
    add_security_headers(reply.response);
    i.latency.Observe(std::chrono::duration<double>(i.d.real_clock.now() - started).count());
  }
  return reply;
}

}  // namespace piket::web
