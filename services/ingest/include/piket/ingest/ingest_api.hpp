#pragma once
// The partner API as a plain function of a request (no sockets): routing,
// authentication, rate limits, content checks, validation, idempotent storage.
// Order of checks: 413 (HTTP layer) → 401 → 403 (client certificate, mutual
// TLS only) → 429 → 415 → 400 → 422 → 403 →
// 200/409 (idempotency) → 201, or 503 when nothing could be made durable.

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "piket/common/clock.hpp"
#include "piket/common/http_types.hpp"
#include "piket/common/metrics.hpp"
#include "piket/ingest/incident_store.hpp"
#include "piket/ingest/ingest_config.hpp"
#include "piket/ingest/rate_limiter.hpp"
#include "piket/ingest/token_registry.hpp"

namespace piket::ingest {

namespace api {
struct IngestContext;  // the handlers' shared context (src/ingest_api_context.hpp)
}

struct IngestDeps {
  std::vector<common::TokenHolder> tokens;  // the deployment's (config::Config::bearer_tokens())
  std::set<std::string> regions;            // the deployment's region ids
  std::vector<PartnerConfig> partners;      // their rate limits
  const common::Clock& domain_clock;        // stamps accepted_at
  const common::Clock& transport_clock;     // rate limits, outbox timers
  IncidentStore& store;
  common::Metrics& metrics;
  // Present only in deployments on a simulated clock (POST /v1/admin/clock).
  std::function<std::optional<common::Instant>(std::optional<common::Millis> advance,
                                               std::optional<common::Instant> set)>
      set_clock;
};

class IngestApi {
 public:
  explicit IngestApi(IngestDeps deps);
  ~IngestApi();
  IngestApi(const IngestApi&) = delete;
  IngestApi& operator=(const IngestApi&) = delete;
  common::HttpResponse handle(const common::HttpRequest& request);

 private:
  std::unique_ptr<api::IngestContext> context_;
};

}  // namespace piket::ingest
