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
  for (const auto& p : d.partners) {
    limiter.configure(p.id, p.rate_per_second, p.burst);
    if (!p.cert_sha256.empty())
      partner_certs.emplace(p.id,
                            std::set<std::string>(p.cert_sha256.begin(), p.cert_sha256.end()));
  }
}

std::variant<Principal, common::ApiRefusal> authenticate(const IngestContext& c,
                                                         const HttpRequest& http) {
  const auto header = http.header("authorization");
  if (header.empty())
    return common::ApiRefusal{
        401, "missing_token", "an Authorization: Bearer token is required", {}};
  auto p = c.tokens.authenticate(header);
  if (!p) return common::ApiRefusal{401, "invalid_token", "the bearer token is not known", {}};
  // Mutual TLS (docs/partner-onboarding.md): the token and the connection's
  // client certificate must name the same partner. The handshake already
  // checked the certificate against [ingest] client_ca.
  if (p->kind == Principal::Kind::partner) {
    if (const auto it = c.partner_certs.find(p->id); it != c.partner_certs.end()) {
      if (http.peer_cert_sha256.empty())
        return common::ApiRefusal{403,
                                  "client_certificate_required",
                                  "this partner's requests need its TLS client certificate",
                                  {}};
      if (!it->second.count(http.peer_cert_sha256))
        return common::ApiRefusal{
            403,
            "client_certificate_mismatch",
            "the TLS client certificate does not belong to the token's partner",
            {}};
    }
  }
  return std::move(*p);
}

}  // namespace piket::ingest::api
