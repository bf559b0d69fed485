#pragma once
// GET /healthz and GET /metrics, the same on every service.

#include <functional>
#include <optional>

#include "piket/common/config.hpp"
#include "piket/common/http_types.hpp"
#include "piket/common/metrics.hpp"

namespace piket::common {

// Answers /healthz (200 when `healthy()`, else 503) and /metrics; nullopt for
// any other request, so a service can chain its own routes after it.
std::optional<HttpResponse> ops_endpoints(const HttpRequest& request, const Metrics& metrics,
                                          const std::function<bool()>& healthy);

// A Redis PING check for `healthy`.
std::function<bool()> redis_health_check(const RedisConfig& redis);

}  // namespace piket::common
