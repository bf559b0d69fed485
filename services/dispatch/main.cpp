// piket-dispatch: picks the casemanager and creates the page; serves the rota
// API. Wiring only.
#include <spdlog/spdlog.h>

#include "piket/common/channels.hpp"
#include "piket/common/http_server.hpp"
#include "piket/common/messaging.hpp"
#include "piket/common/ops_endpoints.hpp"
#include "piket/common/periodic.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/common/time_format.hpp"
#include "piket/config/config.hpp"
#include "piket/dispatch/dispatcher.hpp"
#include "piket/dispatch/live_rota.hpp"
#include "piket/dispatch/rota_api.hpp"
#include "piket/dispatch/rota_watcher.hpp"
#include "piket/paging/escalator.hpp"
#include "piket/rota/coverage.hpp"
#include "piket/rota/rota_file.hpp"
#include "piket/rota/simple_rota.hpp"

int main(int argc, char** argv) {
  using namespace piket;
  return config::service_main("dispatch", argc, argv, [](auto& ctx, const config::Config& cfg) {
    common::RedisPool redis(cfg.redis);
    // The full rota when a rota file is configured, else the skeleton's simple one.
    std::unique_ptr<dispatch::LiveRota> live;
    std::unique_ptr<rota::SimpleRota> simple;
    if (cfg.rota) {
      live = std::make_unique<dispatch::LiveRota>(rota::load_rota_file(cfg.rota->file, cfg.people),
                                                  cfg.people, cfg.caseload, *ctx.domain_clock);
      live->refresh_from(*redis.lease());
      std::vector<std::string> regions;
      for (const auto& r : cfg.regions) regions.push_back(r.id);
      const auto gaps = rota::check_coverage(*live->current(), regions, ctx.domain_clock->now(),
                                             cfg.rota->coverage_days);
      for (const auto& g : gaps)
        spdlog::warn("rota gap: {} {} from {} to {}", g.region, g.layer,
                     common::format_rfc3339(g.gap.start), common::format_rfc3339(g.gap.end));
      if (!gaps.empty() && !cfg.rota->allow_gaps)
        throw std::runtime_error("the rota leaves a layer empty within " +
                                 std::to_string(cfg.rota->coverage_days) +
                                 " days (listed above); fix it or set rota.allow_gaps = true");
    } else {
      simple = std::make_unique<rota::SimpleRota>(cfg.rotas, cfg.people, cfg.caseload);
    }
    const rota::CasemanagerSelector& selector =
        live ? static_cast<const rota::CasemanagerSelector&>(*live) : *simple;
    common::OutboxSender to_notify(config::outbox_sender_options(cfg, ctx.name, "notify"),
                                   ctx.transport_clock, &ctx.metrics);
    dispatch::Dispatcher dispatcher(
        cfg, cfg, cfg.escalation, cfg.reply_code_window(), *ctx.domain_clock, ctx.transport_clock,
        selector, ctx.metrics,
        [&](const std::string& id, const std::string& payload) { to_notify.wake(id, payload); });
    // Escalation steps, when a policy is configured: timers here, declines
    // and undeliverable pages arrive on the "escalation" channel.
    std::unique_ptr<paging::Escalator> escalator;
    if (cfg.escalation)
      escalator = std::make_unique<paging::Escalator>(
          *cfg.escalation, cfg, cfg, cfg.reply_code_window(), *ctx.domain_clock,
          ctx.transport_clock, selector, redis, ctx.metrics,
          [&](const std::string& id, const std::string& payload) { to_notify.wake(id, payload); });
    common::InboxReceiver inbox(
        config::inbox_receiver_options(cfg, ctx.name, cfg.dispatch.workers),
        [&](std::string_view channel, std::string_view id, std::string_view payload) {
          if (channel == "escalation")
            return escalator ? escalator->handle_message(channel, id, payload) : true;
          return dispatcher.handle_message(channel, id, payload);
        },
        &ctx.metrics);
    std::unique_ptr<dispatch::RotaApi> rota_api;
    if (live)
      rota_api = std::make_unique<dispatch::RotaApi>(cfg, cfg.bearer_tokens(), *ctx.domain_clock,
                                                     *live, redis);
    auto healthy = common::redis_health(cfg.redis);
    common::HttpServer http({cfg.dispatch.http, 2}, [&](const common::HttpRequest& r) {
      if (auto resp = common::ops_endpoints(r, ctx.metrics, healthy)) return *resp;
      if (rota_api)
        if (auto resp = rota_api->handle(r)) return *resp;
      return common::error_response(404, "not_found", "no such resource");
    });
    std::unique_ptr<dispatch::RotaWatcher> watcher;
    if (live)
      watcher = std::make_unique<dispatch::RotaWatcher>(
          cfg.rota, cfg, cfg.outbox, *ctx.domain_clock, ctx.transport_clock,
          [&] { return live->current(); }, redis,
          [&](const std::string& id, const std::string& payload) { to_notify.wake(id, payload); });
    // Overrides set through another dispatch instance (or removed) reach this
    // one within a second; rota notices are checked every few seconds.
    int tick = 0;
    common::Periodic refresher({.name = "rota refresh",
                                .every = common::Millis{500},
                                .failure_level = spdlog::level::debug},
                               ctx.transport_clock, [&] {
                                 if (!live) return;
                                 live->refresh_from(*redis.lease());
                                 if (++tick % 4 == 0) watcher->run_once();
                               });
    to_notify.start();
    inbox.start();
    http.start();
    if (live) refresher.start();
    if (escalator) escalator->start();  // paging's timer loop
    spdlog::info("dispatch receiving on {}, HTTP on port {}, rota: {}", cfg.dispatch.zmq_bind,
                 http.port(), live ? cfg.rota->file.string() : "simple");
    common::wait_for_shutdown_signal();
    refresher.stop();
    if (escalator) escalator->stop();
    http.stop();
    inbox.stop();
    to_notify.stop();
  });
}
