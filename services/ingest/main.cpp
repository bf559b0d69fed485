// piket-ingest: the partner API. Wiring only; the logic is in piket_ingest.
#include <spdlog/spdlog.h>

#include "piket/common/channels.hpp"
#include "piket/common/http_server.hpp"
#include "piket/common/messaging.hpp"
#include "piket/common/shared_clock.hpp"
#include "piket/config/config.hpp"
#include "piket/ingest/ingest_api.hpp"
#include "piket/ingest/redis_incident_store.hpp"

int main(int argc, char** argv) {
  using namespace piket;
  return config::service_main("ingest", argc, argv, [](auto& ctx, const config::Config& cfg) {
    common::OutboxSender to_dispatch(config::outbox_sender_options(cfg, ctx.name, "dispatch"),
                                     ctx.transport_clock, &ctx.metrics);
    ingest::RedisIncidentStore store(
        cfg.redis, cfg.outbox.resend_after,
        [&](const std::string& id, const std::string& payload) { to_dispatch.wake(id, payload); },
        std::chrono::hours{24 * cfg.cases.household_link_days});
    ingest::IngestDeps deps{cfg.bearer_tokens(), cfg.region_ids(),
                            cfg.partners,        *ctx.domain_clock,
                            ctx.transport_clock, store,
                            ctx.metrics,         {}};
    if (cfg.clock == common::ClockMode::simulated) {
      deps.set_clock = [&cfg](std::optional<common::Millis> advance,
                              std::optional<common::Instant> set) {
        return common::move_shared_clock(cfg.redis, advance, set);
      };
    }
    ingest::IngestApi api(std::move(deps));
    common::HttpServerOptions server_options{cfg.ingest.http, cfg.ingest.threads};
    server_options.tls = cfg.ingest.tls;
    server_options.tls.clock = &ctx.transport_clock;
    // Load shedding: a partner gets 503 with Retry-After at once rather than no answer
    // while every thread waits for a replica (docs/availability.md, "Load shedding").
    server_options.queue = {static_cast<std::size_t>(cfg.ingest.queue_limit), cfg.ingest.queue_wait,
                            &ctx.transport_clock};
    server_options.metrics = &ctx.metrics;
    common::HttpServer server(std::move(server_options),
                              [&api](const common::HttpRequest& r) { return api.handle(r); });
    to_dispatch.start();
    server.start();
    spdlog::info("partner API listening on {}://{}:{}{}",
                 cfg.ingest.tls.enabled() ? "https" : "http", cfg.ingest.http.host, server.port(),
                 cfg.ingest.tls.require_client_cert ? " (client certificates required)" : "");
    common::wait_for_shutdown_signal();
    server.stop();
    to_dispatch.stop();
  });
}
