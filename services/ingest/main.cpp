// piket-ingest: the partner API. Wiring only; the logic is in piket_ingest.
#include <spdlog/spdlog.h>

#include "piket/common/channels.hpp"
#include "piket/common/http_server.hpp"
#include "piket/common/messaging.hpp"
#include "piket/config/config.hpp"
#include "piket/ingest/ingest_api.hpp"
#include "piket/ingest/ingest_wiring.hpp"
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
    ingest::IngestApi api(
        ingest::ingest_deps(cfg, *ctx.domain_clock, ctx.transport_clock, store, ctx.metrics));
    // Load shedding: a partner gets 503 with Retry-After at once rather than no answer
    // while every thread waits for a replica (docs/availability.md, "Load shedding").
    common::HttpServer server(ingest::ingest_server_options(cfg, ctx.transport_clock, ctx.metrics),
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
