// piket-inbound: Kannel's delivery reports, incoming SMS and the staff API
// for answering pages. Wiring only.
#include <spdlog/spdlog.h>

#include "piket/common/channels.hpp"
#include "piket/common/http_server.hpp"
#include "piket/common/messaging.hpp"
#include "piket/config/config.hpp"
#include "piket/inbound/inbound_api.hpp"

int main(int argc, char** argv) {
  using namespace piket;
  return config::service_main("inbound", argc, argv, [](auto& ctx, const config::Config& cfg) {
    // Declines go to dispatch's escalation at once (the outbox entry is
    // written with the decline; this sender carries it).
    common::OutboxSender to_escalation(config::outbox_sender_options(cfg, ctx.name, "escalation"),
                                       ctx.transport_clock, &ctx.metrics);
    inbound::InboundApi api(cfg.inbound,
                            {cfg.redis, cfg.people, cfg.bearer_tokens(), cfg.kannel.callback_secret,
                             cfg.notify.push_stream_maxlen, cfg.language},
                            *ctx.domain_clock, ctx.metrics, &ctx.transport_clock,
                            [&](const std::string& id, const std::string& payload) {
                              to_escalation.wake(id, payload);
                            });
    common::HttpServer server({cfg.inbound.http, cfg.inbound.threads},
                              [&api](const common::HttpRequest& r) { return api.handle(r); });
    to_escalation.start();
    server.start();
    spdlog::info("inbound listening on {}:{}", cfg.inbound.http.host, server.port());
    common::wait_for_shutdown_signal();
    server.stop();
    to_escalation.stop();
  });
}
