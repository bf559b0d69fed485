// piket-notify: delivers pages over push, SMS (Kannel) and e-mail (SMTP). Wiring only.
#include <spdlog/spdlog.h>

#include <optional>
#include <random>

#include "piket/common/channels.hpp"
#include "piket/common/http_server.hpp"
#include "piket/common/messaging.hpp"
#include "piket/common/ops_endpoints.hpp"
#include "piket/common/secrets.hpp"
#include "piket/config/config.hpp"
#include "piket/notify/notifier.hpp"
#include "piket/notify/retry_policy.hpp"
#include "piket/notify/smtp_gateway.hpp"
#include "piket/push/push_request.hpp"
#include "piket/push/vapid.hpp"
#include "piket/push/web_push_sender.hpp"

namespace {

using namespace piket;

// The VAPID key when Web Push is on ([notify] vapid_subject and the key among
// the secrets; docs/web-push.md).
std::optional<push::P256Key> vapid_key(const config::Config& cfg) {
  if (cfg.notify.vapid_subject.empty()) return std::nullopt;
  const std::string file(common::secret_file::vapid_private_key);
  auto key = push::vapid_key_from_secret(common::SecretStore(cfg.secrets_dir).read(file));
  if (!key) throw common::SecretError("secrets: " + file + " is not a P-256 key in base64url");
  return key;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace piket;
  return config::service_main("notify", argc, argv, [](auto& ctx, const config::Config& cfg) {
    // E-mail on: libcurl must load now, not at the first e-mail.
    if (cfg.smtp) notify::SmtpGateway::load_library();
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
    // Web Push: the `push` channel wakes the person's installed app too.
    const auto vapid = vapid_key(cfg);
    push::HttpPushClient push_client(cfg.notify.gateway_timeout);
    std::optional<push::WebPushSender> web_push;
    if (vapid) {
      push::WebPushRetry retry{cfg.notify.max_attempts, [&cfg](int attempt) {
                                 static thread_local std::mt19937 rng{std::random_device{}()};
                                 return notify::retry_delay(
                                     attempt, cfg.notify.retry_initial, cfg.notify.retry_max,
                                     std::uniform_real_distribution<double>(0, 1)(rng));
                               }};
      // Retries wait in Redis (a restart keeps them); a taken one is the
      // sender's for two request timeouts.
      push::WebPushSender::Options options{cfg.redis, cfg.notify.vapid_subject, retry};
      options.retry_lease = 2 * cfg.notify.gateway_timeout;
      options.metrics = &ctx.metrics;
      web_push.emplace(std::move(options), *vapid, push_client, ctx.transport_clock);
      notifier.set_web_push(
          [&web_push](const std::string& person, const std::string& page_id, bool urgent) {
            web_push->send(person, push::page_message(page_id, urgent));
          });
    }
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
    auto ready = common::redis_readiness(cfg.redis);
    common::HttpServer ops({cfg.notify.http, 1}, [&](const common::HttpRequest& r) {
      if (auto resp = common::ops_endpoints(r, ctx.metrics, ready)) return *resp;
      return common::error_response(404, "not_found", "no such resource");
    });
    notifier.start();
    inbox.start();
    to_escalation.start();
    ops.start();
    spdlog::info("notify receiving on {}, {} workers, gateway {}, e-mail {}, Web Push {}",
                 cfg.notify.zmq_bind, cfg.notify.workers, cfg.kannel.sendsms_url,
                 cfg.smtp ? cfg.smtp->url : "off", vapid ? "on" : "off");
    common::wait_for_shutdown_signal();
    ops.stop();
    to_escalation.stop();
    inbox.stop();
    notifier.stop();
  });
}
