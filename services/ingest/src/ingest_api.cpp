#include "piket/ingest/ingest_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <cmath>
#include <regex>

#include "piket/common/crypto.hpp"
#include "piket/common/records.hpp"
#include "piket/common/time_format.hpp"
#include "piket/ingest/canonical_json.hpp"

namespace piket::ingest {
namespace {

using common::HttpRequest;
using common::HttpResponse;

HttpResponse accepted_body(int status, const std::string& incident_id, const std::string& case_id,
                           std::string_view state) {
  HttpResponse r;
  r.status = status;
  r.body = R"({"incident_id":")" + incident_id + R"(","case_id":")" + case_id + R"(","status":")" +
           std::string(state) + "\"}";
  return r;
}

// A refusal that depends on the case's stored home ban (ban_script.hpp).
common::ApiRefusal ban_refusal(const StoreOutcome& out) {
  if (out.refusal_code == "no_ban_in_force")
    return common::ApiRefusal{
        422, std::string(codes::no_ban_in_force),
        "kind home_ban_extended needs a home ban in force for this household: there "
        "is none, it was lifted, or the extension starts after its end",
        out.refusal_field};
  std::string since;
  if (out.ban_first_start)
    since = " (it started " + common::format_rfc3339(*out.ban_first_start) + ")";
  return common::ApiRefusal{
      422, std::string(codes::ban_total_too_long),
      "home_ban.ends_at would make the home ban last more than 28 days from its "
      "first start" +
          since,
      out.refusal_field};
}

}  // namespace

struct IngestApi::Impl {
  IngestDeps deps;
  TokenRegistry tokens;
  RateLimiter limiter;
  RegionSet regions;
  prometheus::Histogram& post_latency;
  prometheus::Counter& created;
  prometheus::Counter& replayed;
  prometheus::Counter& conflicts;
  prometheus::Counter& rejected;
  prometheus::Counter& unavailable;
  prometheus::Counter& store_full;

  explicit Impl(IngestDeps d)
      : deps(std::move(d)),
        tokens(deps.tokens),
        limiter(deps.transport_clock),
        post_latency(
            deps.metrics.latency("piket_ingest_post_seconds", "POST /v1/incidents handling time")),
        created(deps.metrics.counter("piket_ingest_incidents_total", "Incidents by outcome",
                                     {{"outcome", "created"}})),
        replayed(deps.metrics.counter("piket_ingest_incidents_total", "Incidents by outcome",
                                      {{"outcome", "replayed"}})),
        conflicts(deps.metrics.counter("piket_ingest_incidents_total", "Incidents by outcome",
                                       {{"outcome", "conflict"}})),
        rejected(deps.metrics.counter("piket_ingest_incidents_total", "Incidents by outcome",
                                      {{"outcome", "rejected"}})),
        unavailable(deps.metrics.counter("piket_ingest_incidents_total", "Incidents by outcome",
                                         {{"outcome", "unavailable"}})),
        store_full(deps.metrics.counter("piket_ingest_incidents_total", "Incidents by outcome",
                                        {{"outcome", "store_full"}})) {
    regions.insert(deps.regions.begin(), deps.regions.end());
    for (const auto& p : deps.partners) limiter.configure(p.id, p.rate_per_second, p.burst);
  }

  // 401 unless a known token is presented.
  std::variant<Principal, HttpResponse> authenticate(const HttpRequest& req) {
    const auto header = req.header("authorization");
    if (header.empty())
      return common::error_response(401, "missing_token",
                                    "an Authorization: Bearer token is required");
    auto p = tokens.authenticate(header);
    if (!p) return common::error_response(401, "invalid_token", "the bearer token is not known");
    return *p;
  }

  HttpResponse post_incident(const HttpRequest& req) {
    const auto started = deps.transport_clock.now();
    auto response = post_incident_inner(req);
    post_latency.Observe(
        std::chrono::duration<double>(deps.transport_clock.now() - started).count());
    return response;
  }

  HttpResponse post_incident_inner(const HttpRequest& req) {
    auto auth = authenticate(req);
    if (auto* r = std::get_if<HttpResponse>(&auth)) return (rejected.Increment(), *r);
    const auto& principal = std::get<Principal>(auth);
    if (principal.kind != Principal::Kind::partner) {
      rejected.Increment();
      return common::error_response(403, "not_a_partner", "only partner tokens may post incidents");
    }
    if (auto d = limiter.admit(principal.id); !d.allowed) {
      rejected.Increment();
      auto r = common::error_response(429, "rate_limited", "too many requests; retry later");
      const auto secs = std::max<long long>(1, (d.retry_after.count() + 999) / 1000);
      r.headers.emplace_back("Retry-After", std::to_string(secs));
      return r;
    }
    if (!common::is_json_media_type(req.header("content-type"))) {
      rejected.Increment();
      return common::error_response(415, "unsupported_media_type",
                                    "Content-Type must be application/json");
    }
    auto parsed = parse_body(req.body);
    if (auto* e = std::get_if<common::ApiRefusal>(&parsed))
      return (rejected.Increment(), common::to_response(*e));
    const auto& value = std::get<boost::json::value>(parsed);
    auto validated = validate_parsed_incident(value, regions);
    if (auto* e = std::get_if<common::ApiRefusal>(&validated))
      return (rejected.Increment(), common::to_response(*e));
    const auto& incident = std::get<IncidentRequest>(validated);
    if (!principal.regions.count(incident.region)) {
      rejected.Increment();
      return common::error_response(403, "region_not_allowed",
                                    "this token may not post for that region", "region");
    }
    NewIncident n;
    n.partner = principal.id;
    n.request = &incident;
    n.body_hash = idempotency_hash(incident.stored);  // unknown fields ignored
    n.accepted_at = deps.domain_clock.now();
    n.transport_now = deps.transport_clock.now();
    try {
      const auto out = deps.store.store(n);
      switch (out.kind) {
        case StoreOutcome::Kind::created:
          created.Increment();
          spdlog::info("incident {} accepted for case {} (partner {}, kind {})", out.incident_id,
                       out.case_id, principal.id, common::to_string(incident.kind));
          return accepted_body(201, out.incident_id, out.case_id, "accepted");
        case StoreOutcome::Kind::replayed:
          replayed.Increment();
          return accepted_body(200, out.incident_id, out.case_id, "accepted");
        case StoreOutcome::Kind::conflict:
          conflicts.Increment();
          return common::error_response(409, "idempotency_conflict",
                                        "this reference was already used with a different body",
                                        "reference");
        case StoreOutcome::Kind::refused:
          rejected.Increment();
          return common::to_response(ban_refusal(out));
      }
    } catch (const StoreFull& e) {
      store_full.Increment();
      spdlog::error("incident store full: {}", e.what());
      auto r = common::error_response(
          503, "storage_unavailable",
          "the store is full (its memory limit is reached); nothing was accepted");
      r.headers.emplace_back("Retry-After", "5");
      return r;
    } catch (const StoreUnavailable& e) {
      unavailable.Increment();
      spdlog::error("incident store unavailable: {}", e.what());
    }
    auto r = common::error_response(503, "storage_unavailable",
                                    "the incident could not be made durable; nothing was accepted");
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }

  HttpResponse get_incident(const HttpRequest& req, std::string_view id) {
    auto auth = authenticate(req);
    if (auto* r = std::get_if<HttpResponse>(&auth)) return *r;
    const auto& principal = std::get<Principal>(auth);
    auto not_found = common::error_response(404, "not_found", "no such incident");
    if (principal.kind != Principal::Kind::partner || !common::is_incident_id(id)) return not_found;
    try {
      auto view = deps.store.find(std::string(id));
      if (!view || view->partner != principal.id) return not_found;
      return accepted_body(200, view->incident_id, view->case_id, view->status);
    } catch (const StoreUnavailable&) {
      return common::error_response(503, "storage_unavailable", "the store cannot be reached");
    }
  }

  HttpResponse admin_clock(const HttpRequest& req) {
    auto not_found = common::error_response(404, "not_found", "no such resource");
    if (!deps.set_clock) return not_found;
    auto auth = authenticate(req);
    if (auto* r = std::get_if<HttpResponse>(&auth)) return *r;
    if (std::get<Principal>(auth).kind != Principal::Kind::admin)
      return common::error_response(403, "admin_only", "only an admin token may set the clock");
    if (!common::is_json_media_type(req.header("content-type")))
      return common::error_response(415, "unsupported_media_type",
                                    "Content-Type must be application/json");
    boost::system::error_code ec;
    auto v = boost::json::parse(req.body, ec);
    if (ec) return common::error_response(400, "invalid_json", "the body is not JSON");
    if (!v.is_object())
      return common::error_response(400, "not_an_object", "the body must be a JSON object");
    const auto& o = v.as_object();
    const auto* adv = o.if_contains("advance_seconds");
    const auto* set = o.if_contains("set");
    if ((adv == nullptr) == (set == nullptr))
      return common::error_response(422, "one_of_required",
                                    "give exactly one of advance_seconds or set");
    std::optional<common::Millis> advance;
    std::optional<common::Instant> target;
    if (adv) {
      constexpr std::int64_t max_advance = 10LL * 366 * 24 * 3600;
      if (!adv->is_int64() && !adv->is_uint64())
        return common::error_response(422, "wrong_type", "advance_seconds must be an integer",
                                      "advance_seconds");
      const auto n = adv->is_int64() ? adv->as_int64()
                                     : static_cast<std::int64_t>(std::min<std::uint64_t>(
                                           adv->as_uint64(), max_advance + 1));
      if (n < 0 || n > max_advance)
        return common::error_response(422, "out_of_range",
                                      "advance_seconds must be between 0 and ten years",
                                      "advance_seconds");
      advance = std::chrono::duration_cast<common::Millis>(std::chrono::seconds{n});
    } else {
      if (!set->is_string())
        return common::error_response(422, "wrong_type", "set must be an RFC 3339 string", "set");
      target = common::parse_rfc3339(std::string_view(set->as_string()));
      if (!target)
        return common::error_response(422, "invalid_timestamp", "set must be RFC 3339 with offset",
                                      "set");
    }
    auto now = deps.set_clock(advance, target);
    if (!now)
      return common::error_response(422, "clock_backwards", "the clock never goes backwards",
                                    "set");
    HttpResponse r;
    r.body = R"({"now":")" + common::format_rfc3339(*now) + "\"}";
    return r;
  }
};

IngestApi::IngestApi(IngestDeps deps) : impl_(std::make_unique<Impl>(std::move(deps))) {}
IngestApi::~IngestApi() = default;

HttpResponse IngestApi::handle(const HttpRequest& req) {
  auto& i = *impl_;
  const std::string_view path = req.path;
  if (path == "/v1/incidents") {
    if (req.method != "POST") return common::method_not_allowed("POST");
    return i.post_incident(req);
  }
  constexpr std::string_view prefix = "/v1/incidents/";
  if (path.substr(0, prefix.size()) == prefix) {
    if (req.method != "GET") return common::method_not_allowed("GET");
    return i.get_incident(req, path.substr(prefix.size()));
  }
  if (path == "/v1/admin/clock") {
    if (!i.deps.set_clock) return common::error_response(404, "not_found", "no such resource");
    if (req.method != "POST") return common::method_not_allowed("POST");
    return i.admin_clock(req);
  }
  if (path == "/healthz" && req.method == "GET") {
    const auto problem = i.deps.store.health_problem();
    if (!problem) return HttpResponse{200, "application/json", R"({"status":"ok"})", {}};
    return common::error_response(503, "unhealthy", "unhealthy: " + *problem);
  }
  if (path == "/metrics" && req.method == "GET")
    return HttpResponse{200, "text/plain; version=0.0.4", i.deps.metrics.render(), {}};
  return common::error_response(404, "not_found", "no such resource");
}

}  // namespace piket::ingest
