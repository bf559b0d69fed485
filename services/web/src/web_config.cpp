#include "piket/web/web_config.hpp"

#include <arpa/inet.h>

#include <regex>

#include "piket/common/tls_config.hpp"
#include "piket/common/toml_reader.hpp"

namespace piket::web {

using common::set_if;

namespace {
const std::regex kHttpUrl{"^https?://[^ ?#]{1,300}$"};
const std::regex kIpAddress{"^[0-9A-Fa-f:.]{2,45}$"};
const std::regex kLanguage{"^(nl|en)$"};  // the app's catalogues (i18n/<lang>/piket-web.po)
}  // namespace

WebConfig parse_web(common::TomlReader& r) {
  WebConfig c;
  const auto* t = r.table(r.root(), "", "web");
  if (!t) return c;
  r.only_known(*t, "web.",
               {"http", "threads", "assets_dir", "session_idle_minutes", "session_max_hours",
                "cookie_secure", "max_failures", "lockout_minutes", "remote_max_failures",
                "max_delay_seconds", "unauthenticated_per_second", "unauthenticated_burst",
                "trusted_proxies", "calendar_base_url", "tls_cert", "tls_key", "language",
                "push_allow_http_localhost"});
  set_if(r.host_port(*t, "web.", "http"), c.http);
  set_if(r.integer(*t, "web.", "threads", 1, 64), c.threads);
  c.tls = common::read_tls_options(r, *t, "web.", false);
  set_if(r.string(*t, "web.", "assets_dir", false, 1000), c.assets_dir);
  if (auto v = r.integer(*t, "web.", "session_idle_minutes", 1, 24 * 60))
    c.session_idle = std::chrono::minutes{*v};
  if (auto v = r.integer(*t, "web.", "session_max_hours", 1, 24 * 7))
    c.session_max = std::chrono::hours{*v};
  set_if(r.boolean(*t, "web.", "cookie_secure"), c.cookie_secure);
  set_if(r.integer(*t, "web.", "max_failures", 1, 100), c.max_failures);
  if (auto v = r.integer(*t, "web.", "lockout_minutes", 1, 24 * 60))
    c.lockout = std::chrono::minutes{*v};
  set_if(r.integer(*t, "web.", "remote_max_failures", 1, 10000), c.remote_max_failures);
  if (auto v = r.integer(*t, "web.", "max_delay_seconds", 1, 3600))
    c.max_delay = std::chrono::seconds{*v};
  set_if(r.number(*t, "web.", "unauthenticated_per_second", 0.01, 10000),
         c.unauthenticated_per_second);
  set_if(r.number(*t, "web.", "unauthenticated_burst", 1, 100000), c.unauthenticated_burst);
  c.trusted_proxies =
      r.string_list(*t, "web.", "trusted_proxies", false, kIpAddress, "an IPv4 or IPv6 address");
  for (const auto& a : c.trusted_proxies) {
    unsigned char buf[16];
    if (::inet_pton(AF_INET, a.c_str(), buf) != 1 && ::inet_pton(AF_INET6, a.c_str(), buf) != 1)
      r.error(t->get("trusted_proxies")->source(), "web.trusted_proxies",
              "not an IPv4 or IPv6 address: " + a.substr(0, 45));
  }
  if (c.trusted_proxies.size() > 16)
    r.error(t->get("trusted_proxies")->source(), "web.trusted_proxies", "at most 16 proxies");
  set_if(r.matching(*t, "web.", "calendar_base_url", false, kHttpUrl, "an http:// URL"),
         c.calendar_base_url);
  set_if(r.matching(*t, "web.", "language", false, kLanguage, "nl or en"), c.language);
  set_if(r.boolean(*t, "web.", "push_allow_http_localhost"), c.push_allow_http_localhost);
  return c;
}

}  // namespace piket::web
