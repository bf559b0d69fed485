#include "piket/ingest/ingest_wiring.hpp"

#include "piket/common/shared_clock.hpp"

namespace piket::ingest {

IngestDeps ingest_deps(const config::Config& config, const common::Clock& domain_clock,
                       const common::Clock& transport_clock, IncidentStore& store,
                       common::Metrics& metrics) {
  IngestDeps deps{config.bearer_tokens(),
                  config.region_ids(),
                  config.partners,
                  domain_clock,
                  transport_clock,
                  store,
                  metrics,
                  {}};
  if (config.clock == common::ClockMode::simulated) {
    deps.set_clock = [redis = config.redis](std::optional<common::Millis> advance,
                                            std::optional<common::Instant> set) {
      return common::move_shared_clock(redis, advance, set);
    };
  }
  return deps;
}

common::HttpServerOptions ingest_server_options(const config::Config& config,
                                                const common::Clock& transport_clock,
                                                common::Metrics& metrics) {
  common::HttpServerOptions options{config.ingest.http, config.ingest.threads};
  options.tls = config.ingest.tls;
  options.tls.clock = &transport_clock;
  options.queue = {static_cast<std::size_t>(config.ingest.queue_limit), config.ingest.queue_wait,
                   &transport_clock};
  options.max_connections = static_cast<std::size_t>(config.ingest.max_connections);
  options.max_connections_per_address =
      static_cast<std::size_t>(config.ingest.max_connections_per_address);
  options.metrics = &metrics;
  return options;
}

}  // namespace piket::ingest
