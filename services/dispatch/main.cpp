// piket-dispatch: picks the casemanager and creates the page. Wiring only.
#include <spdlog/spdlog.h>

#include "piket/common/http_server.hpp"
#include "piket/common/messaging.hpp"
#include "piket/common/ops_endpoints.hpp"
#include "piket/common/service_main.hpp"
#include "piket/dispatch/dispatcher.hpp"
#include "piket/rota/simple_rota.hpp"

int main(int argc, char** argv) {
  using namespace piket;
  return common::service_main("dispatch", argc, argv, [](common::ServiceContext& ctx) {
    const auto& cfg = ctx.config;
    rota::SimpleRota rota(cfg);
    common::OutboxSender to_notify({"notify", cfg.notify.zmq_bind, cfg.redis, cfg.outbox.resend_after},
                                   ctx.transport_clock, &ctx.metrics);
    dispatch::Dispatcher dispatcher(
        cfg, *ctx.domain_clock, ctx.transport_clock, rota, ctx.metrics,
        [&](const std::string& id, const std::string& payload) { to_notify.wake(id, payload); });
    common::InboxReceiver inbox(
        cfg.dispatch.zmq_bind,
        [&](std::string_view channel, std::string_view id, std::string_view payload) {
          return dispatcher.handle_message(channel, id, payload);
        },
        &ctx.metrics, cfg.dispatch.workers);
    auto healthy = common::redis_health_check(cfg.redis);
    common::HttpServer ops({cfg.dispatch.http, 1}, [&](const common::HttpRequest& r) {
      if (auto resp = common::ops_endpoints(r, ctx.metrics, healthy)) return *resp;
      return common::error_response(404, "not_found", "no such resource");
    });
    to_notify.start();
    inbox.start();
    ops.start();
    spdlog::info("dispatch receiving on {}, ops on port {}", cfg.dispatch.zmq_bind, ops.port());
    common::wait_for_shutdown_signal();
    ops.stop();
    inbox.stop();
    to_notify.stop();
  });
}
