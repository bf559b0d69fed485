#pragma once
// The rota over HTTP (served by dispatch, which owns selection):
//   GET    /v1/rota/oncall?region=R              who is on call now, per layer
//   GET    /v1/rota/gaps?region=R[&days=N]       coverage gaps ahead (default 14 days)
//   GET    /v1/rota/overrides?region=R           run-time overrides
//   POST   /v1/rota/overrides                    register sickness, a swap, extra cover
//   DELETE /v1/rota/overrides/{id}
//   GET    /v1/rota/calendar/person/{id}.ics?token=T          iCalendar subscription
//   GET    /v1/rota/calendar/layer/{region}/{layer}.ics?token=T
// Staff bearer tokens: the region's people may read; its team lead (or an
// admin) may change overrides; partners are refused before anything else, and
// a caller who may change no overrides is refused before the body is read.
// Calendar apps cannot send headers, so the calendar URLs take a calendar
// token (piket_access: read-only, revocable, made in the web app) as ?token=;
// no other token opens a calendar, and a calendar token opens nothing else.

#include <memory>
#include <optional>

#include "piket/common/bearer_auth.hpp"
#include "piket/common/clock.hpp"
#include "piket/common/config.hpp"
#include "piket/common/http_types.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/dispatch/live_rota.hpp"
#include "piket/rota/rota_config.hpp"

namespace piket::dispatch {

namespace api {
struct RotaContext;  // the handlers' shared context (src/rota_api_context.hpp)
}

class RotaApi {
 public:
  // The regions and people (must outlive the RotaApi) and the deployment's
  // bearer tokens (config::Config::bearer_tokens()).
  RotaApi(const rota::Directory& directory, const std::vector<common::TokenHolder>& tokens,
          const common::Clock& clock, LiveRota& rota, common::RedisPool& redis);
  ~RotaApi();
  RotaApi(const RotaApi&) = delete;
  RotaApi& operator=(const RotaApi&) = delete;
  // nullopt when the request is not for a rota route.
  std::optional<common::HttpResponse> handle(const common::HttpRequest& request);

 private:
  std::unique_ptr<api::RotaContext> context_;
};

}  // namespace piket::dispatch
