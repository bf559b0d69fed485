#pragma once
// The web app's section of the deployment file: [web] (docs/configuration.md,
// "Who parses what"; docs/web.md).

#include <string>
#include <vector>

#include "piket/common/config.hpp"
#include "piket/common/tls_options.hpp"

namespace piket::web {

struct WebConfig {
  common::HostPort http{"127.0.0.1", 8084};
  int threads = 2;
  std::string assets_dir;  // empty: "assets" beside the piket-web binary
  // Sessions expire in real time (not domain time): after `session_idle` without
  // a request, and `session_max` after sign-in at the latest.
  common::Millis session_idle{30 * 60 * 1000};
  common::Millis session_max{12 * 3600 * 1000};
  bool cookie_secure = true;
  // Sign-in throttling (docs/web.md): after `max_failures` failures for an
  // account within `lockout`, each further attempt on it waits a delay that
  // doubles up to `max_delay`; `remote_max_failures` failures from one address
  // within `lockout` block that address for `lockout`.
  int max_failures = 5;
  common::Millis lockout{15 * 60 * 1000};
  int remote_max_failures = 20;
  common::Millis max_delay{60 * 1000};
  // Requests refused for want of a session, per address: a token bucket.
  double unauthenticated_per_second = 5;
  double unauthenticated_burst = 50;
  // Reverse proxies (IP addresses) whose X-Forwarded-For names the client;
  // empty: the TCP peer is the client (docs/web.md, "Which address").
  std::vector<std::string> trusted_proxies{};
  // Where calendar apps reach dispatch's /v1/rota/calendar/… (shown with a new
  // calendar token); empty: http://<dispatch.http>.
  std::string calendar_base_url{};
  // The app's language for whoever has not chosen one in their browser:
  // "nl" (Dutch, the default) or "en".
  std::string language = "nl";
  // HTTPS (tls_cert, tls_key); not enabled(): plain HTTP, as the local demo
  // runs (or behind a proxy that ends TLS).
  common::TlsOptions tls{};
  // Web Push subscriptions with an http:// endpoint on this machine (tests,
  // the local demo); otherwise https only (docs/web-push.md).
  bool push_allow_http_localhost = false;
};

// [web].
WebConfig parse_web(common::TomlReader& r);

}  // namespace piket::web
