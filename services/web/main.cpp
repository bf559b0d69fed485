// piket-web: the deadline board, the casemanager app and their API, with live
// updates over server-sent events. Wiring only; the logic is in piket_web.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>

#include "piket/common/periodic.hpp"
#include "piket/common/secrets.hpp"
#include "piket/config/config.hpp"
#include "piket/push/base64url.hpp"
#include "piket/push/vapid.hpp"
#include "piket/web/audit_log.hpp"
#include "piket/web/file_rota_source.hpp"
#include "piket/web/live_updates.hpp"
#include "piket/web/service_backend.hpp"
#include "piket/web/session_store.hpp"
#include "piket/web/web_api.hpp"

namespace {

std::filesystem::path assets_dir(const piket::web::WebConfig& web) {
  if (!web.assets_dir.empty()) return web.assets_dir;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (ec ? std::filesystem::current_path() : self.parent_path()) / "assets";
}

// The VAPID public key the app subscribes with (docs/web-push.md); empty
// when the deployment has no VAPID key: Web Push is off.
std::string vapid_public_key(const std::filesystem::path& secrets_dir) {
  using namespace piket;
  const common::SecretStore store(secrets_dir);
  const std::string file(common::secret_file::vapid_private_key);
  if (!store.exists(file)) {
    spdlog::warn("web: no {} among the secrets: Web Push is off", file);
    return {};
  }
  const auto key = push::vapid_key_from_secret(store.read(file));
  if (!key) throw common::SecretError("secrets: " + file + " is not a P-256 key in base64url");
  return push::base64url_encode(key->public_bytes());
}

}  // namespace

int main(int argc, char** argv) {
  using namespace piket;
  return config::service_main("web", argc, argv, [](auto& ctx, const config::Config& cfg) {
    common::RedisPool redis(cfg.redis);
    web::StaticFiles assets(assets_dir(cfg.web), cfg.web.language);
    web::LiveHub hub;
    web::LiveUpdates live(cfg.redis, hub, *ctx.domain_clock, ctx.transport_clock);
    // The rota file with dispatch's run-time overrides (the rota dispatch pages from).
    web::FileRotaSource rota(cfg.rota, cfg.people, redis);
    web::ServiceBackend backend(cfg, cfg.deadlines, cfg.reply_code_window(),
                                cfg.notify.push_stream_maxlen, cfg.redis, redis, *ctx.domain_clock,
                                ctx.transport_clock, &cfg.chain);
    web::WebApi api({cfg.web, cfg, cfg, cfg.caseload, cfg.dispatch.http, cfg.partners.size(),
                     *ctx.domain_clock, ctx.transport_clock, redis, ctx.metrics, hub, rota, backend,
                     &assets, [&live] { return live.digest(); },
                     vapid_public_key(cfg.secrets_dir)});
    web::WebServerOptions server_options{cfg.web.http, cfg.web.threads};
    server_options.tls = cfg.web.tls;
    server_options.tls.clock = &ctx.transport_clock;
    web::WebServer server(std::move(server_options),
                          [&api](const common::HttpRequest& r) { return api.handle(r); });
    // Streams of sessions that expired are closed with the next keep-alive.
    web::SessionStore sessions(redis, ctx.transport_clock, cfg.web.session_idle,
                               cfg.web.session_max);
    live.set_session_check([&sessions](const std::string& key) { return sessions.alive(key); });
    // The audit entries of requests refused without a session, each minute.
    common::Periodic tally({.name = "refusal tally", .every = common::Millis{1000}},
                           ctx.transport_clock, [&api] { api.write_refusal_tally(); });
    // The audit chain's head, written out to the log (the journal) every 30 s,
    // so that a rewrite of the chain in Redis shows against it (docs/web.md,
    // "Anchoring the head"; piket-audit verify --heads).
    common::Periodic audit_head(
        {.name = "audit head", .every = common::Millis{30000}}, ctx.transport_clock, [&redis] {
          auto lease = redis.lease();
          spdlog::info("{}", web::audit_head_line(web::read_audit_head(*lease)));
        });
    tally.start();
    audit_head.start();
    live.start();
    server.start();
    spdlog::info("web app on {}://{}:{} ({} asset files)", cfg.web.tls.enabled() ? "https" : "http",
                 cfg.web.http.host, server.port(), assets.file_count());
    common::wait_for_shutdown_signal();
    hub.close_all();
    server.stop();
    live.stop();
    audit_head.stop();
    tally.stop();
  });
}
