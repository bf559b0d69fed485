#pragma once
// GET /healthz (alive), GET /readyz (can do its work) and GET /metrics, the
// same on every service.
//
// /healthz never asks Redis: a health checker (piket-health@, a load
// balancer's liveness probe) restarts what fails it, and a Redis failover
// must not restart every healthy service at once. It is 200 while the process
// answers and none of its loops is stuck (common/periodic.hpp,
// stuck_loop_problem); else 503 "unhealthy" naming the loop. What Redis
// allows — the primary reachable and accepting writes, enough replicas
// connected — is /readyz: 503 "not_ready" naming the problem.

#include <functional>
#include <optional>
#include <string>

#include "piket/common/config.hpp"
#include "piket/common/http_types.hpp"
#include "piket/common/metrics.hpp"

namespace piket::common {

// A check that says what is wrong: nullopt when all is well.
using HealthCheck = std::function<std::optional<std::string>()>;

// Answers /healthz (above), /readyz by `ready`, and /metrics; nullopt for any
// other request, so a service can chain its own routes after it.
std::optional<HttpResponse> ops_endpoints(const HttpRequest& request, const Metrics& metrics,
                                          const HealthCheck& ready);

// Redis ready (common/redis_health.hpp, redis_readiness_problem: reachable,
// accepting writes, and enough replicas connected when min_replicas > 0), on
// a connection of its own.
HealthCheck redis_readiness(const RedisConfig& redis);

}  // namespace piket::common
