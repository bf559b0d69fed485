#pragma once
// The web service as a plain function of a request (no sockets): the app's
// files, sign-in and sessions, the JSON API of the board and the casemanager
// app, calendar tokens, and the event stream. Every read and change of case
// data, and every refusal of a signed-in person, is written to the audit trail
// before the answer goes out; refusals of requests without a session are
// counted per address and minute and written as one entry each
// (refusal_tally.hpp), and limited per address (429).

#include <functional>
#include <memory>

#include "piket/common/clock.hpp"
#include "piket/common/config.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/rota/rota_config.hpp"
#include "piket/web/case_backend.hpp"
#include "piket/web/live_hub.hpp"
#include "piket/web/rota_source.hpp"
#include "piket/web/static_files.hpp"
#include "piket/web/web_config.hpp"
#include "piket/web/web_server.hpp"

namespace piket::web {

namespace api {
struct WebContext;  // the handlers' shared context (src/web_api_context.hpp)
}

struct WebDeps {
  const WebConfig& config;             // [web]
  const common::SharedConfig& shared;  // the deployment's name and clock mode
  const rota::Directory& directory;    // regions and people
  rota::CaseloadConfig caseload;       // [caseload]: the board's caseloads
  common::HostPort dispatch_http;      // [dispatch] http: the calendars' default base URL
  std::size_t partners = 0;            // how many [[partners]] (the admin's overview)
  const common::Clock& domain_clock;   // case clocks, event times
  const common::Clock& real_clock;     // sessions, audit timestamps
  common::RedisPool& redis;
  common::Metrics& metrics;
  LiveHub& hub;
  RotaSource& rota;
  CaseBackend& cases;
  const StaticFiles* assets = nullptr;  // null: API only
  // The live digest for a new stream's first frame (may be empty).
  std::function<std::string()> digest;
  // The VAPID public key (base64url) the app subscribes with; empty: no Web
  // Push in this deployment (docs/web-push.md).
  std::string vapid_public_key{};
};

class WebApi {
 public:
  explicit WebApi(WebDeps deps);
  ~WebApi();
  WebApi(const WebApi&) = delete;
  WebApi& operator=(const WebApi&) = delete;

  WebReply handle(const common::HttpRequest& request);
  // Writes the audit entries of requests refused without a session for every
  // minute that has ended (RefusalTally); main calls it every second.
  std::size_t write_refusal_tally();

 private:
  std::unique_ptr<api::WebContext> context_;
};

}  // namespace piket::web
