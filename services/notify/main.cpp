// piket-notify: delivers pages over push, SMS (Kannel) and e-mail (SMTP). Wiring only.
#include <spdlog/spdlog.h>

#include "piket/common/channels.hpp"
#include "piket/common/http_server.hpp"
#include "piket/common/messaging.hpp"
#include "piket/common/ops_endpoints.hpp"
#include "piket/config/config.hpp"
#include "piket/notify/notifier.hpp"
#include "piket/notify/smtp_gateway.hpp"

int main(int argc, char** argv) {
  using namespace piket;
  return config::service_main("notify", argc, argv, [](auto& ctx, const config::Config& cfg) {
    notify::Notifier notifier(
        cfg.notify, cfg.kannel, cfg, cfg, *ctx.domain_clock, ctx.transport_clock,
        [&cfg] {
          return std::make_unique<notify::KannelGateway>(cfg.kannel, cfg.notify.gateway_timeout);
        },
        ctx.metrics,
        [&cfg]() -> std::unique_ptr<notify::EmailGateway> {
          if (!cfg.smtp) return nullptr;
          return std::make_unique<notify::SmtpGateway>(*cfg.smtp);
        });
    // Pages in batches (what is waiting), the most urgent first (notify::message_rank).
    auto inbox_options = config::inbox_receiver_options(cfg, ctx.name, 2);
    inbox_options.rank = notify::message_rank;
    common::InboxReceiver inbox(
        std::move(inbox_options),
        [&](std::span<const common::InboxMessage> batch) { return notifier.handle_batch(batch); },
        &ctx.metrics);
    // Pages no channel could deliver go to dispatch's escalation.
    common::OutboxSender to_escalation(config::outbox_sender_options(cfg, ctx.name, "escalation"),
                                       ctx.transport_clock, &ctx.metrics);
    auto healthy = common::redis_health(cfg.redis);
    auto ready = common::redis_readiness(cfg.redis);
    common::HttpServer ops({cfg.notify.http, 1}, [&](const common::HttpRequest& r) {
      if (auto resp = common::ops_endpoints(r, ctx.metrics, healthy, ready)) return *resp;
      return common::error_response(404, "not_found", "no such resource");
    });
    notifier.start();
    inbox.start();
    to_escalation.start();
    ops.start();
    spdlog::info("notify receiving on {}, {} workers, gateway {}, e-mail {}", cfg.notify.zmq_bind,
                 cfg.notify.workers, cfg.kannel.sendsms_url, cfg.smtp ? cfg.smtp->url : "off");
    common::wait_for_shutdown_signal();
    ops.stop();
    to_escalation.stop();
    inbox.stop();
    notifier.stop();
  });
}
