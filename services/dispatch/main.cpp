// piket-dispatch: picks the casemanager and creates the page; serves the rota
// API. Wiring only.
#include <spdlog/spdlog.h>

#include "piket/common/channels.hpp"
#include "piket/common/http_server.hpp"
#include "piket/common/messaging.hpp"
#include "piket/common/ops_endpoints.hpp"
#include "piket/common/periodic.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/common/shared_clock.hpp"
#include "piket/common/time_format.hpp"
#include "piket/config/config.hpp"
#include "piket/dispatch/dispatcher.hpp"
#include "piket/dispatch/family_router.hpp"
#include "piket/dispatch/live_rota.hpp"
#include "piket/dispatch/rota_api.hpp"
#include "piket/dispatch/rota_watcher.hpp"
#include "piket/paging/escalator.hpp"
#include "piket/rota/coverage.hpp"
#include "piket/rota/rota_file.hpp"
#include "piket/web/audit_log.hpp"
#include "piket/web/principal.hpp"

int main(int argc, char** argv) {
  using namespace piket;
  return config::service_main("dispatch", argc, argv, [](auto& ctx, const config::Config& cfg) {
    common::RedisPool redis(cfg.redis);
    // The rota file with the run-time overrides from Redis.
    dispatch::LiveRota live(rota::load_rota_file(cfg.rota.file, cfg.people), cfg.people,
                            cfg.caseload, *ctx.domain_clock);
    live.refresh_from(*redis.lease());
    std::vector<std::string> regions;
    for (const auto& r : cfg.regions) regions.push_back(r.id);
    const auto gaps = rota::check_coverage(*live.current(), regions, ctx.domain_clock->now(),
                                           cfg.rota.coverage_days);
    for (const auto& g : gaps)
      spdlog::warn("rota gap: {} {} from {} to {}", g.region, g.layer,
                   common::format_rfc3339(g.gap.start), common::format_rfc3339(g.gap.end));
    if (!gaps.empty() && !cfg.rota.allow_gaps)
      throw std::runtime_error("the rota leaves a layer empty within " +
                               std::to_string(cfg.rota.coverage_days) +
                               " days (listed above); fix it or set rota.allow_gaps = true");
    common::OutboxSender to_notify(config::outbox_sender_options(cfg, ctx.name, "notify"),
                                   ctx.transport_clock, &ctx.metrics);
    dispatch::Dispatcher dispatcher(
        cfg, cfg, cfg.escalation, cfg.reply_code_window(), *ctx.domain_clock, ctx.transport_clock,
        live, ctx.metrics,
        [&](const std::string& id, const std::string& payload) { to_notify.wake(id, payload); });
    // Escalation steps (always: paging owns acknowledgement; without
    // [escalation], the built-in policy): timers here, declines and
    // undeliverable pages arrive on the "escalation" channel.
    paging::Escalator escalator(
        cfg.escalation, cfg, cfg, cfg.reply_code_window(), *ctx.domain_clock, ctx.transport_clock,
        live, redis, ctx.metrics,
        [&](const std::string& id, const std::string& payload) { to_notify.wake(id, payload); });
    // A family's messages (issue 18): paged from family:due; woken by inbound
    // on the escalation channel, by a move of the simulated clock, and else
    // at the next step's due time.
    dispatch::FamilyRouter family(
        cfg.family, cfg, live, cfg.outbox, *ctx.domain_clock, ctx.transport_clock, redis,
        [&](const std::string& id, const std::string& payload) { to_notify.wake(id, payload); });
    common::ClockMoves family_clock(*ctx.domain_clock, [&] { family.wake(); });
    // Who picked a family message up, in the one audit trail (docs/web.md);
    // by SMS here, in the app by piket-web (page.ack).
    web::AuditLog audit(redis, ctx.transport_clock, *ctx.domain_clock);
    family.on_acknowledged(
        [&](const std::string& case_id, const std::string& message, const std::string& by) {
          const auto who = web::principal_for(cfg, by);
          audit.append({.who = by,
                        .role = who ? std::string(web::to_string(who->role)) : "-",
                        .action = "family_message.ack",
                        .target = case_id,
                        .outcome = "allowed",
                        .reason = "family message " + message,
                        .from = "-"});
        });
    // Incidents in batches (what is waiting), escalations one at a time; a
    // code red first, then escalations, then the rest (dispatch::message_rank).
    auto inbox_options = config::inbox_receiver_options(cfg, ctx.name, cfg.dispatch.workers);
    inbox_options.rank = dispatch::message_rank;
    common::InboxReceiver inbox(
        std::move(inbox_options),
        common::route_by_channel(
            {{"dispatch",
              [&](std::span<const common::InboxMessage> batch) {
                return dispatcher.handle_batch(batch);
              }},
             {"escalation", common::one_at_a_time([&](std::string_view channel, std::string_view id,
                                                      std::string_view payload) {
                if (dispatch::is_family_wake(id))
                  return family.handle_message(channel, id, payload);
                return escalator.handle_message(channel, id, payload);
              })}}),
        &ctx.metrics);
    dispatch::RotaApi rota_api(cfg, cfg.bearer_tokens(), *ctx.domain_clock, live, redis);
    auto ready = common::redis_readiness(cfg.redis);
    common::HttpServer http({cfg.dispatch.http, 2}, [&](const common::HttpRequest& r) {
      if (auto resp = common::ops_endpoints(r, ctx.metrics, ready)) return *resp;
      if (auto resp = rota_api.handle(r)) return *resp;
      return common::error_response(404, "not_found", "no such resource");
    });
    dispatch::RotaWatcher watcher(
        cfg.rota, cfg, cfg.outbox, *ctx.domain_clock, ctx.transport_clock,
        [&] { return live.current(); }, redis,
        [&](const std::string& id, const std::string& payload) { to_notify.wake(id, payload); });
    // Overrides set through another dispatch instance (or removed) reach this
    // one within a second; rota notices are checked every few seconds.
    int tick = 0;
    common::Periodic refresher({.name = "rota refresh",
                                .every = common::Millis{500},
                                .failure_level = spdlog::level::debug},
                               ctx.transport_clock, [&] {
                                 live.refresh_from(*redis.lease());
                                 if (++tick % 4 == 0) watcher.run_once();
                               });
    to_notify.start();
    inbox.start();
    http.start();
    refresher.start();
    family.start();
    escalator.start();  // paging's timer loop
    spdlog::info("dispatch receiving on {}, HTTP on port {}, rota: {}", cfg.dispatch.zmq_bind,
                 http.port(), cfg.rota.file.string());
    common::wait_for_shutdown_signal();
    family.stop();
    refresher.stop();
    escalator.stop();
    http.stop();
    inbox.stop();
    to_notify.stop();
  });
}
