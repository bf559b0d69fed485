#include "piket/cases/cases_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <regex>
#include <set>

#include "piket/access/case_facts_reader.hpp"
#include "piket/access/need_to_know.hpp"
#include "piket/cases/case_events.hpp"
#include "piket/cases/case_family.hpp"
#include "piket/cases/case_view.hpp"
#include "piket/cases/staff_auth.hpp"
#include "piket/common/ops_endpoints.hpp"
#include "piket/common/records.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/common/time_format.hpp"
#include "piket/store/case_record.hpp"

namespace piket::cases {
namespace {

namespace json = boost::json;
using common::HttpRequest;
using common::HttpResponse;

const std::regex kPersonId{"^[a-z0-9][a-z0-9_-]{0,63}$"};
constexpr int kAttempts = 8;

HttpResponse ok(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace

struct CasesApi::Impl {
  CasesApiDeps deps;
  StaffAuth tokens;
  common::RedisPool redis;  // need-to-know reads (piket_access)
  CaseFamilies families{deps.store, deps.redis};
  common::HealthCheck healthy;
  prometheus::Counter& recorded;
  prometheus::Counter& refused;
  prometheus::Counter& reads;

  explicit Impl(CasesApiDeps d)
      : deps(d),
        tokens(deps.tokens, deps.directory.people),
        redis(deps.redis),
        healthy([this] { return deps.store.health_problem(); }),
        recorded(deps.metrics.counter("piket_cases_requests_total", "Case API requests",
                                      {{"outcome", "recorded"}})),
        refused(deps.metrics.counter("piket_cases_requests_total", "Case API requests",
                                     {{"outcome", "refused"}})),
        reads(deps.metrics.counter("piket_cases_requests_total", "Case API requests",
                                   {{"outcome", "read"}})) {}

  std::variant<Actor, HttpResponse> authenticate(const HttpRequest& req) {
    const auto header = req.header("authorization");
    if (header.empty())
      return common::error_response(401, "missing_token",
                                    "an Authorization: Bearer token is required");
    auto a = tokens.authenticate(header);
    if (!a) return common::error_response(401, "invalid_token", "the bearer token is not known");
    return *a;
  }

  // Need to know (piket_access, the rule the web app calls too): nullopt
  // when the actor may do `action` on the case, else the answer.
  std::optional<HttpResponse> refused_access(const Actor& actor, const std::string& id,
                                             access::CaseAction action) {
    std::optional<access::CaseFacts> facts;
    {
      auto lease = redis.lease();
      facts = access::read_case_facts(*lease, id, actor.person);
    }
    if (!facts) return common::error_response(404, "not_found", "no such case");
    const auto d = access::may({actor.person, actor.role, actor.regions}, *facts, action,
                               deps.domain_clock.now());
    if (d) return std::nullopt;
    spdlog::info("case {}: {} by {} refused ({})", id, access::to_string(action), actor.person,
                 d.code);
    return common::error_response(403, d.code, d.reason);
  }

  // Loads the case the actor may see: the state, or the refusal.
  std::variant<CaseState, HttpResponse> readable_case(
      const Actor& actor, const std::string& id,
      access::CaseAction action = access::CaseAction::read) {
    auto not_found = common::error_response(404, "not_found", "no such case");
    if (!common::is_case_id(id)) return not_found;
    if (auto r = refused_access(actor, id, action)) return *r;
    auto state = deps.store.load(id);
    if (!state) return not_found;
    return std::move(*state);
  }

  HttpResponse get_case(const Actor& actor, const std::string& id) {
    auto r = readable_case(actor, id);
    if (auto* resp = std::get_if<HttpResponse>(&r)) return *resp;
    const auto& state = std::get<CaseState>(r);
    const auto now = deps.domain_clock.now();
    reads.Increment();
    return ok(200, case_json(state, evaluate(state, deps.rules, now), deps.rules, now));
  }

  HttpResponse get_timeline(const Actor& actor, const std::string& id) {
    auto r = readable_case(actor, id);
    if (auto* resp = std::get_if<HttpResponse>(&r)) return *resp;
    reads.Increment();
    const auto& state = std::get<CaseState>(r);
    std::string body = R"({"case_id":")" + id + R"(","events":[)";
    bool first = true;
    if (state.joined_cases.empty()) {
      for (const auto& e : deps.store.timeline(id)) {
        body += (first ? "" : ",") + e;
        first = false;
      }
      return ok(200, body + "]}");
    }
    // A joined case's timeline is its own and those of the cases joined
    // into it (each of their entries names its "case"), ordered by time.
    for (const auto& e : joined_timeline(state)) {
      body += (first ? "" : ",") + json::serialize(e);
      first = false;
    }
    return ok(200, body + "]}");
  }

  std::vector<json::object> joined_timeline(const CaseState& state) {
    std::vector<std::pair<std::int64_t, json::object>> all;
    std::vector<std::pair<std::string, bool>> todo{{state.id, true}};
    std::set<std::string> seen;
    for (std::size_t i = 0; i < todo.size() && i < 64; ++i) {
      const auto [id, own] = todo[i];
      if (!seen.insert(id).second) continue;
      for (const auto& text : deps.store.timeline(id)) {
        json::error_code ec;
        auto v = json::parse(text, ec);
        if (ec || !v.is_object()) continue;
        auto& o = v.as_object();
        if (!own) o["case"] = id;
        const auto* at = o.if_contains("at");
        all.emplace_back(at && at->is_number() ? at->to_number<std::int64_t>() : 0, std::move(o));
      }
      if (auto other = deps.store.load(id))
        for (const auto& j : other->joined_cases) todo.emplace_back(j, false);
    }
    std::stable_sort(all.begin(), all.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<json::object> out;
    for (auto& [_, o] : all) out.push_back(std::move(o));
    return out;
  }

  HttpResponse post_family(const Actor& actor, const std::string& id, const HttpRequest& req,
                           bool join) {
    if (!common::is_json_media_type(req.header("content-type")))
      return common::error_response(415, "unsupported_media_type",
                                    "Content-Type must be application/json");
    auto parsed = parse_family_request(req.body);
    if (auto* refusal = std::get_if<common::ApiRefusal>(&parsed))
      return (refused.Increment(), common::to_response(*refusal));
    const auto& request = std::get<FamilyRequest>(parsed);
    const auto now = deps.domain_clock.now();
    auto done =
        join ? families.join(id, request, actor, now) : families.split(id, request, actor, now);
    if (auto* refusal = std::get_if<common::ApiRefusal>(&done))
      return (refused.Increment(), common::to_response(*refusal));
    const auto& result = std::get<FamilyResult>(done);
    recorded.Increment();
    spdlog::info("case {}: {} {} by {} ({} incidents moved)", id, join ? "joined" : "split off",
                 request.other_case_id, actor.person, result.incidents.size());
    json::object o;
    o["case_id"] = result.survivor;
    o[join ? "joined" : "split"] = result.other;
    json::array incidents;
    for (const auto& i : result.incidents) incidents.emplace_back(i);
    o["incidents_moved"] = std::move(incidents);
    o["household_keys_moved"] = result.household_keys;
    return ok(200, json::serialize(o));
  }

  HttpResponse post_event(const Actor& actor, const std::string& id, const HttpRequest& req) {
    if (!common::is_json_media_type(req.header("content-type")))
      return common::error_response(415, "unsupported_media_type",
                                    "Content-Type must be application/json");
    bool settled = false;
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
      // Who may record is checked before the body is looked at.
      auto r = readable_case(actor, id, access::CaseAction::record);
      if (auto* resp = std::get_if<HttpResponse>(&r)) return *resp;
      const auto& state = std::get<CaseState>(r);
      const auto now = deps.domain_clock.now();
      auto parsed = parse_event(req.body, now);
      if (auto* refusal = std::get_if<common::ApiRefusal>(&parsed))
        return (refused.Increment(), common::to_response(*refusal));
      const auto& event = std::get<EventRequest>(parsed);
      if (event.type == EventType::reassigned)
        if (auto no = refused_access(actor, id, access::CaseAction::reassign)) return *no;
      if (deps.settle && !settled) {
        // Deadlines that fell due before this event are taken first.
        const auto ev = evaluate(state, deps.rules, now);
        settled = true;
        if (!ev.actions.empty()) {
          deps.settle(id);
          continue;
        }
      }
      if (!state.merged_into.empty())
        return (refused.Increment(),
                common::error_response(
                    409, "case_merged",
                    "this case was joined into " + state.merged_into + "; record on that case",
                    "type"));
      auto applied = apply_event(state, event, actor, deps.rules, now);
      if (auto* refusal = std::get_if<common::ApiRefusal>(&applied))
        return (refused.Increment(), common::to_response(*refusal));
      const auto& change = std::get<Change>(applied);
      const auto ev = evaluate(change.after, deps.rules, now);
      const auto outcome = deps.store.record(id, state.version, change, ev.timers);
      if (outcome == WriteOutcome::stale) continue;
      if (outcome == WriteOutcome::closed)
        return common::error_response(409, "case_closed", "the case is closed");
      if (outcome == WriteOutcome::missing)
        return common::error_response(404, "not_found", "no such case");
      recorded.Increment();
      spdlog::info("case {}: {} recorded by {}", id, to_string(event.type), actor.person);
      json::object o;
      o["case_id"] = id;
      o["event"] = json::parse(change.timeline_json);
      o["phase"] = std::string(to_string(change.after.phase));
      o["casemanager"] = change.after.casemanager;
      return ok(201, json::serialize(o));
    }
    return common::error_response(503, "busy", "the case kept changing; try again");
  }

  HttpResponse post_absence(const Actor& actor, const std::string& person, const HttpRequest& req) {
    const auto* target =
        std::regex_match(person, kPersonId) ? deps.directory.person(person) : nullptr;
    if (!target) return common::error_response(404, "not_found", "no such person");
    const bool self = actor.person == person;
    bool lead_of = false;
    if (actor.role == rota::StaffRole::team_lead)
      for (const auto& r : target->regions)
        lead_of = lead_of ||
                  std::find(actor.regions.begin(), actor.regions.end(), r) != actor.regions.end();
    if (!self && !lead_of)
      return common::error_response(403, "not_allowed",
                                    "only the person or a team lead of their region may do this");
    if (target->role != rota::StaffRole::casemanager)
      return common::error_response(422, "not_a_casemanager",
                                    "absence is recorded for casemanagers", "person");
    if (!common::is_json_media_type(req.header("content-type")))
      return common::error_response(415, "unsupported_media_type",
                                    "Content-Type must be application/json");
    json::error_code ec;
    const auto v = json::parse(req.body, ec);
    if (ec) return common::error_response(400, "invalid_json", "the body is not JSON");
    if (!v.is_object())
      return common::error_response(400, "not_an_object", "the body must be a JSON object");
    const auto& o = v.as_object();
    for (const auto& [k, _] : o)
      if (k != "absent" && k != "since" && k != "until")
        return common::error_response(422, "unknown_field", "this field is not part of an absence",
                                      std::string(k).substr(0, 64));
    const auto* absent = o.if_contains("absent");
    if (!absent || !absent->is_bool())
      return common::error_response(422, "required", "absent must be true or false", "absent");
    const auto now = deps.domain_clock.now();
    auto since = now;
    std::optional<common::Instant> until;
    auto instant = [&](const char* name, common::Instant& out) -> std::optional<HttpResponse> {
      const auto* f = o.if_contains(name);
      if (!f) return std::nullopt;
      std::optional<common::Instant> t;
      if (f->is_string()) t = common::parse_rfc3339(std::string_view(f->as_string()));
      if (!t)
        return common::error_response(422, "invalid_timestamp",
                                      std::string(name) + " must be RFC 3339 with an offset", name);
      out = *t;
      return std::nullopt;
    };
    if (auto e = instant("since", since)) return *e;
    if (o.contains("until")) {
      common::Instant u{};
      if (auto e = instant("until", u)) return *e;
      if (u <= since)
        return common::error_response(422, "until_before_since", "until must lie after since",
                                      "until");
      until = u;
    }
    if (!absent->as_bool() && (o.contains("since") || o.contains("until")))
      return common::error_response(422, "unknown_field", "since and until belong to an absence",
                                    o.contains("since") ? "since" : "until");
    const auto cases = deps.store.set_absence(person, absent->as_bool(), since, until,
                                              store::by_person(actor.person), now);
    spdlog::info("{} marked {} by {} ({} open cases)", person,
                 absent->as_bool() ? "absent" : "available", actor.person, cases);
    json::object out;
    out["person"] = person;
    out["absent"] = absent->as_bool();
    if (absent->as_bool()) {
      out["since"] = common::format_rfc3339(since);
      out["until"] = until ? json::value(common::format_rfc3339(*until)) : json::value(nullptr);
    }
    out["open_cases"] = cases;
    return ok(200, json::serialize(out));
  }

  HttpResponse route(const HttpRequest& req) {
    constexpr std::string_view cases_prefix = "/v1/cases/";
    constexpr std::string_view people_prefix = "/v1/people/";
    const std::string_view path = req.path;
    if (path.substr(0, cases_prefix.size()) == cases_prefix) {
      auto rest = path.substr(cases_prefix.size());
      const auto slash = rest.find('/');
      const std::string id(rest.substr(0, slash));
      const auto tail = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
      if (tail.empty() && req.method != "GET") return common::method_not_allowed("GET");
      if (tail == "/timeline" && req.method != "GET") return common::method_not_allowed("GET");
      const bool family = tail == "/join" || tail == "/split";
      if ((tail == "/events" || family) && req.method != "POST")
        return common::method_not_allowed("POST");
      if (!tail.empty() && tail != "/timeline" && tail != "/events" && !family)
        return common::error_response(404, "not_found", "no such resource");
      auto auth = authenticate(req);
      if (auto* r = std::get_if<HttpResponse>(&auth)) return *r;
      const auto& actor = std::get<Actor>(auth);
      if (tail.empty()) return get_case(actor, id);
      if (tail == "/timeline") return get_timeline(actor, id);
      if (family) return post_family(actor, id, req, tail == "/join");
      return post_event(actor, id, req);
    }
    if (path.substr(0, people_prefix.size()) == people_prefix) {
      auto rest = path.substr(people_prefix.size());
      const auto slash = rest.find('/');
      if (slash == std::string_view::npos || rest.substr(slash) != "/absence")
        return common::error_response(404, "not_found", "no such resource");
      if (req.method != "POST") return common::method_not_allowed("POST");
      auto auth = authenticate(req);
      if (auto* r = std::get_if<HttpResponse>(&auth)) return *r;
      return post_absence(std::get<Actor>(auth), std::string(rest.substr(0, slash)), req);
    }
    return common::error_response(404, "not_found", "no such resource");
  }
};

CasesApi::CasesApi(CasesApiDeps deps) : impl_(std::make_unique<Impl>(deps)) {}
CasesApi::~CasesApi() = default;

HttpResponse CasesApi::handle(const HttpRequest& req) {
  if (auto r = common::ops_endpoints(req, impl_->deps.metrics, impl_->healthy)) return *r;
  try {
    return impl_->route(req);
  } catch (const common::RedisError& e) {
    spdlog::warn("cases: redis unavailable: {}", e.what());
    auto r = common::error_response(503, "storage_unavailable", "the case store cannot be reached");
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
}

}  // namespace piket::cases
