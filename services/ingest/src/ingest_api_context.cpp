#include "ingest_api_context.hpp"

namespace piket::ingest::api {

IngestContext::IngestContext(IngestDeps deps)
    : d(std::move(deps)),
      tokens(d.tokens),
      limiter(d.transport_clock),
      post_latency(
          d.metrics.latency("piket_ingest_post_seconds", "POST /v1/incidents handling time")),
      created(d.metrics.counter("piket_ingest_incidents_total", "Incidents by outcome",
                                {{"outcome", "created"}})),
      replayed(d.metrics.counter("piket_ingest_incidents_total", "Incidents by outcome",
                                 {{"outcome", "replayed"}})),
      conflicts(d.metrics.counter("piket_ingest_incidents_total", "Incidents by outcome",
                                  {{"outcome", "conflict"}})),
      rejected(d.metrics.counter("piket_ingest_incidents_total", "Incidents by outcome",
                                 {{"outcome", "rejected"}})),
      unavailable(d.metrics.counter("piket_ingest_incidents_total", "Incidents by outcome",
                                    {{"outcome", "unavailable"}})),
      store_full(d.metrics.counter("piket_ingest_incidents_total", "Incidents by outcome",
                                   {{"outcome", "store_full"}})),
      not_replicated(d.metrics.counter("piket_ingest_incidents_total", "Incidents by outcome",
                                       {{"outcome", "not_replicated"}})) {
  regions.insert(d.regions.begin(), d.regions.end());
  for (const auto& p : d.partners) limiter.configure(p.id, p.rate_per_second, p.burst);
}

std::variant<Principal, common::ApiRefusal> authenticate(const IngestContext& c,
                                                         const HttpRequest& http) {
  const auto header = http.header("authorization");
  if (header.empty())
    return common::ApiRefusal{
        401, "missing_token", "an Authorization: Bearer token is required", {}};
  auto p = c.tokens.authenticate(header);
  if (!p) return common::ApiRefusal{401, "invalid_token", "the bearer token is not known", {}};
  return std::move(*p);
}

}  // namespace piket::ingest::api
