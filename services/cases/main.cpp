// piket-cases: the case API and the deadline engine. Wiring only; the logic
// is in piket_cases (engine.hpp is pure, deadline_shell.hpp its I/O).
#include <spdlog/spdlog.h>

#include "piket/cases/case_store.hpp"
#include "piket/cases/cases_api.hpp"
#include "piket/cases/deadline_shell.hpp"
#include "piket/cases/staff.hpp"
#include "piket/common/channels.hpp"
#include "piket/common/http_server.hpp"
#include "piket/common/messaging.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/config/config.hpp"
#include "piket/web/audit_log.hpp"

int main(int argc, char** argv) {
  using namespace piket;
  return config::service_main("cases", argc, argv, [](auto& ctx, const config::Config& cfg) {
    cases::StaffDirectory staff(cfg);
    const cases::EngineRules rules{cfg.deadlines, staff, cfg.reply_code_window(), &cfg.chain};
    cases::RedisCaseStore store(cfg.redis);
    spdlog::info("{} cases in their monitoring part", store.refresh_monitoring_set());
    common::OutboxSender to_notify(config::outbox_sender_options(cfg, ctx.name, "notify"),
                                   ctx.transport_clock, &ctx.metrics);
    cases::DeadlineShell engine(
        store, rules, *ctx.domain_clock, ctx.transport_clock,
        {cfg.outbox.resend_after, cfg.cases.poll},
        [&](const std::string& id, const std::string& payload) { to_notify.wake(id, payload); },
        &ctx.metrics);
    // Tracks' and agreements' records in the one audit trail (docs/web.md).
    common::RedisPool audit_redis(cfg.redis);
    web::AuditLog audit(audit_redis, ctx.transport_clock, *ctx.domain_clock);
    cases::CasesApi api({cfg.redis, cfg, cfg.bearer_tokens(), *ctx.domain_clock, store, rules,
                         ctx.metrics, [&engine](const std::string& id) { engine.settle(id); },
                         [&audit](web::AuditRecord r) { audit.append(std::move(r)); }});
    common::HttpServer server({cfg.cases.http, cfg.cases.threads, 16 * 1024},
                              [&api](const common::HttpRequest& r) { return api.handle(r); });
    to_notify.start();
    engine.start();
    server.start();
    spdlog::info("case API on {}:{}, deadline engine polling every {} ms", cfg.cases.http.host,
                 server.port(), cfg.cases.poll.count());
    common::wait_for_shutdown_signal();
    server.stop();
    engine.stop();
    to_notify.stop();
  });
}
