// Incidents: a partner posts one (validated, rate-limited, stored
// idempotently) and reads back its state.
#include <spdlog/spdlog.h>

#include <boost/json/value.hpp>

#include "ingest_api_handlers.hpp"
#include "piket/common/records.hpp"
#include "piket/common/time_format.hpp"
#include "piket/ingest/canonical_json.hpp"

namespace piket::ingest::api {
namespace {

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

HttpResponse post_incident_inner(IngestContext& c, const HttpRequest& req) {
  auto auth = authenticate(c, req);
  if (auto* refusal = std::get_if<common::ApiRefusal>(&auth))
    return (c.rejected.Increment(), common::to_response(*refusal));
  const auto& principal = std::get<Principal>(auth);
  if (principal.kind != Principal::Kind::partner) {
    c.rejected.Increment();
    return common::error_response(403, "not_a_partner", "only partner tokens may post incidents");
  }
  if (auto d = c.limiter.admit(principal.id); !d.allowed) {
    c.rejected.Increment();
    auto r = common::error_response(429, "rate_limited", "too many requests; retry later");
    const auto secs = std::max<long long>(1, (d.retry_after.count() + 999) / 1000);
    r.headers.emplace_back("Retry-After", std::to_string(secs));
    return r;
  }
  if (!common::is_json_media_type(req.header("content-type"))) {
    c.rejected.Increment();
    return common::error_response(415, "unsupported_media_type",
                                  "Content-Type must be application/json");
  }
  auto parsed = parse_body(req.body);
  if (auto* e = std::get_if<common::ApiRefusal>(&parsed))
    return (c.rejected.Increment(), common::to_response(*e));
  const auto& value = std::get<boost::json::value>(parsed);
  auto validated = validate_parsed_incident(value, c.regions);
  if (auto* e = std::get_if<common::ApiRefusal>(&validated))
    return (c.rejected.Increment(), common::to_response(*e));
  const auto& incident = std::get<IncidentRequest>(validated);
  if (!principal.regions.count(incident.region)) {
    c.rejected.Increment();
    return common::error_response(403, "region_not_allowed",
                                  "this token may not post for that region", "region");
  }
  NewIncident n;
  n.partner = principal.id;
  n.request = &incident;
  n.body_hash = idempotency_hash(incident.stored);  // unknown fields ignored
  n.accepted_at = c.d.domain_clock.now();
  n.transport_now = c.d.transport_clock.now();
  try {
    const auto out = c.d.store.store(n);
    switch (out.kind) {
      case StoreOutcome::Kind::created:
        c.created.Increment();
        spdlog::info("incident {} accepted for case {} (partner {}, kind {})", out.incident_id,
                     out.case_id, principal.id, common::to_string(incident.kind));
        return accepted_body(201, out.incident_id, out.case_id, "accepted");
      case StoreOutcome::Kind::replayed:
        c.replayed.Increment();
        return accepted_body(200, out.incident_id, out.case_id, "accepted");
      case StoreOutcome::Kind::conflict:
        c.conflicts.Increment();
        return common::error_response(409, "idempotency_conflict",
                                      "this reference was already used with a different body",
                                      "reference");
      case StoreOutcome::Kind::refused:
        c.rejected.Increment();
        return common::to_response(ban_refusal(out));
    }
  } catch (const StoreFull& e) {
    c.store_full.Increment();
    spdlog::error("incident store full: {}", e.what());
    auto r = common::error_response(
        503, "storage_unavailable",
        "the store is full (its memory limit is reached); nothing was accepted");
    r.headers.emplace_back("Retry-After", "5");
    return r;
  } catch (const StoreNotReplicated& e) {
    c.not_replicated.Increment();
    spdlog::error("incident not replicated: {}", e.what());
    auto r = common::error_response(
        503, "not_replicated",
        "too few replicas of the store confirmed the incident in time, so it is not promised "
        "durable; retry with the same reference: you get the same incident if it was stored");
    r.headers.emplace_back("Retry-After", "1");
    return r;
  } catch (const StoreUnavailable& e) {
    c.unavailable.Increment();
    spdlog::error("incident store unavailable: {}", e.what());
  }
  auto r = common::error_response(503, "storage_unavailable",
                                  "the incident could not be made durable; nothing was accepted");
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

}  // namespace

HttpResponse post_incident(IngestContext& c, const HttpRequest& req, std::string_view) {
  const auto started = c.d.transport_clock.now();
  auto response = post_incident_inner(c, req);
  c.post_latency.Observe(
      std::chrono::duration<double>(c.d.transport_clock.now() - started).count());
  return response;
}

HttpResponse get_incident(IngestContext& c, const HttpRequest& req, std::string_view id) {
  auto auth = authenticate(c, req);
  if (auto* refusal = std::get_if<common::ApiRefusal>(&auth)) return common::to_response(*refusal);
  const auto& principal = std::get<Principal>(auth);
  auto not_found = common::error_response(404, "not_found", "no such incident");
  if (principal.kind != Principal::Kind::partner || !common::is_incident_id(id)) return not_found;
  try {
    auto view = c.d.store.find(std::string(id));
    if (!view || view->partner != principal.id) return not_found;
    return accepted_body(200, view->incident_id, view->case_id, view->status);
  } catch (const StoreUnavailable&) {
    return common::error_response(503, "storage_unavailable", "the store cannot be reached");
  }
}

}  // namespace piket::ingest::api
