#include "piket/common/ops_endpoints.hpp"

#include <mutex>

#include "piket/common/periodic.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_health.hpp"

namespace piket::common {

std::optional<HttpResponse> ops_endpoints(const HttpRequest& request, const Metrics& metrics,
                                          const HealthCheck& ready) {
  if (request.method != "GET") return std::nullopt;
  if (request.path == "/healthz") {
    if (const auto problem = stuck_loop_problem())
      return error_response(503, "unhealthy", "unhealthy: " + *problem);
    return HttpResponse{200, "application/json", R"({"status":"ok"})", {}};
  }
  if (request.path == "/readyz") {
    if (const auto problem = ready())
      return error_response(503, "not_ready", "not ready: " + *problem);
    return HttpResponse{200, "application/json", R"({"status":"ready"})", {}};
  }
  if (request.path == "/metrics")
    return HttpResponse{200, "text/plain; version=0.0.4", metrics.render(), {}};
  return std::nullopt;
}

HealthCheck redis_readiness(const RedisConfig& redis) {
  auto conn = std::make_shared<RedisConnection>(redis);
  auto mutex = std::make_shared<std::mutex>();
  return [conn, mutex] {
    std::lock_guard lock(*mutex);
    return redis_readiness_problem(*conn);
  };
}

}  // namespace piket::common
