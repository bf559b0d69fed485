#pragma once
// GET /healthz (alive), GET /readyz (can do its work) and GET /metrics, the
// same on every service.

#include <functional>
#include <optional>
#include <string>

#include "piket/common/config.hpp"
#include "piket/common/http_types.hpp"
#include "piket/common/metrics.hpp"

namespace piket::common {

// Answers /healthz and /readyz (200 when `healthy()`, else 503) and /metrics;
// nullopt for any other request, so a service can chain its own routes after it.
std::optional<HttpResponse> ops_endpoints(const HttpRequest& request, const Metrics& metrics,
                                          const std::function<bool()>& healthy);

// A health check that says what is wrong: nullopt when healthy.
using HealthCheck = std::function<std::optional<std::string>()>;

// The same, but /healthz's 503 names the problem that `check` returns;
// /readyz answers by `ready` (by `check` when `ready` is empty).
std::optional<HttpResponse> ops_endpoints(const HttpRequest& request, const Metrics& metrics,
                                          const HealthCheck& check, const HealthCheck& ready = {});

// Redis reachable and accepting writes (common/redis_health.hpp), on one
// connection of its own.
HealthCheck redis_health(const RedisConfig& redis);

// Redis ready (common/redis_health.hpp, redis_readiness_problem: healthy,
// and enough replicas connected when min_replicas > 0), on a connection of its own.
HealthCheck redis_readiness(const RedisConfig& redis);

// The same as a yes/no for `healthy`.
std::function<bool()> redis_health_check(const RedisConfig& redis);

}  // namespace piket::common
