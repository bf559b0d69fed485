#pragma once
// Notify's sections of the deployment file: [notify], [kannel] (the SMS
// gateway) and [smtp] (e-mail, the fallback channel) — docs/configuration.md,
// "Who parses what". The gateways' passwords are never in the file: Kannel's
// come from the secrets directory (load_kannel_secrets).

#include <optional>
#include <string>
#include <vector>

#include "piket/common/config.hpp"

namespace piket::common {
class SecretStore;
}

namespace piket::notify {

struct NotifyConfig {
  common::HostPort http{"127.0.0.1", 8082};
  std::string zmq_bind = "tcp://127.0.0.1:7102";
  // Every notify instance's endpoint, which the senders connect to
  // (`zmq_peers`); empty: `zmq_bind` alone.
  std::vector<std::string> zmq_peers;
  int workers = 2;
  // A worker claims up to this many due deliveries at once (one script call,
  // urgent first) and sends them over `gateway_connections` connections of its
  // own at once (docs/paging.md, "Sending"); a batch is whatever is due now.
  int claim_batch = 16;
  int gateway_connections = 4;
  common::Millis retry_initial{500};
  common::Millis retry_max{30000};
  int max_attempts = 8;
  // A page whose send was interrupted by a crash waits this long for a
  // delivery report before it is sent again.
  common::Millis in_doubt_grace{5000};
  // A send in doubt (its lease over, no outcome, no delivery report) waits
  // this long after a claim first finds it so before it goes again: the time
  // the worker that sent has to record what the gateway did once the store
  // takes writes again (after a failover; docs/paging.md, "No duplicates").
  common::Millis in_doubt_confirm{5000};
  // That worker keeps recording its sends' outcomes for this long past their
  // lease (a Redis failover can keep writes out for longer than a lease).
  common::Millis record_retry{120000};
  common::Millis gateway_timeout{3000};
  // Entries kept per `push:{person}` stream (XADD MAXLEN ~).
  int push_stream_maxlen = 1000;
  // SMS to one person within this window go out as one bundled SMS
  // (docs/paging.md, "Bundling"); 0: every page its own SMS.
  common::Millis bundle_window{3000};
  // Web Push (docs/web-push.md): the contact for push services' operators in
  // the VAPID token, "mailto:…" or "https://…"; empty: no Web Push (the
  // `push` channel is then the open app's stream alone).
  std::string vapid_subject{};
  // notify's own record of what the gateways took, until Redis has it (SendJournal,
  // docs/paging.md "No duplicates"): one file per notify instance; empty: none.
  std::string send_journal{};
};

// E-mail, the fallback channel, over SMTP (libcurl).
struct SmtpConfig {
  std::string url;       // smtp://host:port or smtps://host:port
  std::string from;      // envelope and header sender
  std::string username;  // optional; with password
  std::string password;
  bool require_tls = false;  // STARTTLS required (smtp://) — always TLS for smtps://
  common::Millis timeout{10000};
};

struct KannelConfig {
  std::string sendsms_url = "http://127.0.0.1:13013/cgi-bin/sendsms";
  std::string username;
  std::string password;
  std::string sender = "4411";
  // Base URL Kannel calls back for delivery reports (our inbound service).
  std::string callback_base = "http://127.0.0.1:8083";
  int dlr_mask = 31;
  // Kannel's callbacks carry this secret (from the secrets directory; never
  // in the TOML file): inbound refuses a callback without it.
  std::string callback_secret{};
};

// [notify].
NotifyConfig parse_notify(common::TomlReader& r);
// [kannel] (required; a password in it is refused).
KannelConfig parse_kannel(common::TomlReader& r);
// [smtp]; absent: no e-mail channel.
std::optional<SmtpConfig> parse_smtp(common::TomlReader& r);

// Kannel's callback secret and sendsms password from the secrets directory
// (docs/secrets.md); throws common::SecretError naming a missing file.
void load_kannel_secrets(KannelConfig& kannel, const common::SecretStore& store);

}  // namespace piket::notify
