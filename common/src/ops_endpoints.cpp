#include "piket/common/ops_endpoints.hpp"

#include <mutex>

#include "piket/common/redis.hpp"
#include "piket/common/redis_health.hpp"

namespace piket::common {

std::optional<HttpResponse> ops_endpoints(const HttpRequest& request, const Metrics& metrics,
                                          const std::function<bool()>& healthy) {
  if (request.method != "GET") return std::nullopt;
  if (request.path == "/healthz" || request.path == "/readyz") {
    if (healthy()) return HttpResponse{200, "application/json", R"({"status":"ok"})", {}};
    return error_response(503, "unhealthy", "a dependency cannot be reached");
  }
  if (request.path == "/metrics")
    return HttpResponse{200, "text/plain; version=0.0.4", metrics.render(), {}};
  return std::nullopt;
}

std::optional<HttpResponse> ops_endpoints(const HttpRequest& request, const Metrics& metrics,
                                          const HealthCheck& check, const HealthCheck& ready) {
  if (request.method == "GET" && request.path == "/healthz") {
    if (const auto problem = check())
      return error_response(503, "unhealthy", "unhealthy: " + *problem);
    return HttpResponse{200, "application/json", R"({"status":"ok"})", {}};
  }
  if (request.method == "GET" && request.path == "/readyz") {
    if (const auto problem = ready ? ready() : check())
      return error_response(503, "not_ready", "not ready: " + *problem);
    return HttpResponse{200, "application/json", R"({"status":"ready"})", {}};
  }
  return ops_endpoints(request, metrics, [] { return true; });
}

HealthCheck redis_health(const RedisConfig& redis) {
  auto conn = std::make_shared<RedisConnection>(redis);
  auto mutex = std::make_shared<std::mutex>();
  return [conn, mutex] {
    std::lock_guard lock(*mutex);
    return redis_health_problem(*conn);
  };
}

HealthCheck redis_readiness(const RedisConfig& redis) {
  auto conn = std::make_shared<RedisConnection>(redis);
  auto mutex = std::make_shared<std::mutex>();
  return [conn, mutex] {
    std::lock_guard lock(*mutex);
    return redis_readiness_problem(*conn);
  };
}

std::function<bool()> redis_health_check(const RedisConfig& redis) {
  auto check = redis_health(redis);
  return [check] { return !check().has_value(); };
}

}  // namespace piket::common
