#include "piket/notify/notify_config.hpp"

#include <regex>

#include "piket/common/secrets.hpp"
#include "piket/common/toml_reader.hpp"

namespace piket::notify {

using common::read_millis;
using common::set_if;
using common::TomlReader;

namespace {
const std::regex kHttpUrl{"^https?://[^ ?#]{1,300}$"};
const std::regex kSmtpUrl{"^smtps?://[^ /?#@]{1,300}/?$"};
const std::regex kEmail{
    "^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]{1,63}(\\.[A-Za-z0-9-]{1,63}){0,8}$"};
}  // namespace

NotifyConfig parse_notify(TomlReader& r) {
  NotifyConfig c;
  if (const auto* t = r.table(r.root(), "", "notify")) {
    r.only_known(*t, "notify.",
                 {"http", "zmq", "zmq_peers", "workers", "claim_batch", "gateway_connections",
                  "retry_initial_ms", "retry_max_ms", "max_attempts", "in_doubt_grace_ms",
                  "in_doubt_confirm_ms", "record_retry_ms", "gateway_timeout_ms",
                  "push_stream_maxlen", "bundle_window_ms", "vapid_subject", "send_journal"});
    set_if(r.host_port(*t, "notify.", "http"), c.http);
    set_if(r.matching(*t, "notify.", "zmq", false, common::zmq_endpoint_pattern(),
                      "a ZeroMQ endpoint"),
           c.zmq_bind);
    c.zmq_peers = common::zmq_peer_list(r, *t, "notify.");
    set_if(r.integer(*t, "notify.", "workers", 1, 32), c.workers);
    set_if(r.integer(*t, "notify.", "claim_batch", 1, 256), c.claim_batch);
    set_if(r.integer(*t, "notify.", "gateway_connections", 1, 32), c.gateway_connections);
    read_millis(r, *t, "notify.", "retry_initial_ms", 10, 600000, c.retry_initial);
    read_millis(r, *t, "notify.", "retry_max_ms", 10, 3600000, c.retry_max);
    set_if(r.integer(*t, "notify.", "max_attempts", 1, 100), c.max_attempts);
    read_millis(r, *t, "notify.", "in_doubt_grace_ms", 0, 600000, c.in_doubt_grace);
    read_millis(r, *t, "notify.", "in_doubt_confirm_ms", 0, 600000, c.in_doubt_confirm);
    read_millis(r, *t, "notify.", "record_retry_ms", 0, 3600000, c.record_retry);
    read_millis(r, *t, "notify.", "gateway_timeout_ms", 100, 60000, c.gateway_timeout);
    set_if(r.integer(*t, "notify.", "push_stream_maxlen", 10, 1000000), c.push_stream_maxlen);
    read_millis(r, *t, "notify.", "bundle_window_ms", 0, 60000, c.bundle_window);
    static const std::regex kVapidSubject{
        "^(mailto:[^\\s@]{1,64}@[A-Za-z0-9.-]{1,190}|https://[^\\s]{1,250})$"};
    set_if(r.matching(*t, "notify.", "vapid_subject", false, kVapidSubject,
                      "a mailto: address or an https:// URL"),
           c.vapid_subject);
    static const std::regex kAbsolutePath{"^/[^\\t\\r\\n]{1,999}$"};
    set_if(r.matching(*t, "notify.", "send_journal", false, kAbsolutePath, "an absolute file path"),
           c.send_journal);
  }
  return c;
}

KannelConfig parse_kannel(TomlReader& r) {
  KannelConfig c;
  const auto* t = r.table(r.root(), "", "kannel");
  if (!t) {
    r.error_at_table(r.root(), "kannel", "required table is missing");
    return c;
  }
  r.only_known(*t, "kannel.",
               {"sendsms_url", "username", "password", "sender", "callback_base", "dlr_mask"});
  // `password` is listed so that its own error below names what to do.
  set_if(r.matching(*t, "kannel.", "sendsms_url", false, kHttpUrl, "an http:// URL"),
         c.sendsms_url);
  set_if(r.string(*t, "kannel.", "username", true, 64), c.username);
  // The sendsms password is a secret: kannel-sendsms.password in the secrets
  // directory (docs/secrets.md), never this file.
  if (const auto* n = t->get("password"))
    r.error(n->source(), "kannel.password",
            "secrets are not kept in this file; the password is read from "
            "kannel-sendsms.password in the secrets directory (docs/secrets.md)");
  set_if(r.matching(*t, "kannel.", "sender", false, std::regex{"^[+]?[0-9A-Za-z]{1,16}$"},
                    "1-16 letters or digits"),
         c.sender);
  set_if(r.matching(*t, "kannel.", "callback_base", false, kHttpUrl, "an http:// URL"),
         c.callback_base);
  set_if(r.integer(*t, "kannel.", "dlr_mask", 0, 63), c.dlr_mask);
  return c;
}

std::optional<SmtpConfig> parse_smtp(TomlReader& r) {
  const auto* t = r.table(r.root(), "", "smtp");
  if (!t) return std::nullopt;
  r.only_known(*t, "smtp.", {"url", "from", "username", "password", "require_tls", "timeout_ms"});
  SmtpConfig smtp;
  set_if(r.matching(*t, "smtp.", "url", true, kSmtpUrl, "smtp://HOST:PORT or smtps://HOST:PORT"),
         smtp.url);
  set_if(r.matching(*t, "smtp.", "from", true, kEmail, "an e-mail address"), smtp.from);
  set_if(r.string(*t, "smtp.", "username", false, 200), smtp.username);
  set_if(r.string(*t, "smtp.", "password", false, 200), smtp.password);
  if (smtp.username.empty() != smtp.password.empty())
    r.error_at_table(*t, "smtp.password", "username and password go together");
  set_if(r.boolean(*t, "smtp.", "require_tls"), smtp.require_tls);
  read_millis(r, *t, "smtp.", "timeout_ms", 100, 120000, smtp.timeout);
  return smtp;
}

void load_kannel_secrets(KannelConfig& kannel, const common::SecretStore& store) {
  kannel.callback_secret = store.read(common::secret_file::kannel_callback);
  kannel.password = store.read(common::secret_file::kannel_sendsms);
}

}  // namespace piket::notify
