#include "piket/common/ops_endpoints.hpp"

#include <mutex>

#include "piket/common/redis.hpp"

namespace piket::common {

std::optional<HttpResponse> ops_endpoints(const HttpRequest& request, const Metrics& metrics,
                                          const std::function<bool()>& healthy) {
  if (request.method != "GET") return std::nullopt;
  if (request.path == "/healthz") {
    if (healthy()) return HttpResponse{200, "application/json", R"({"status":"ok"})", {}};
    return error_response(503, "unhealthy", "a dependency cannot be reached");
  }
  if (request.path == "/metrics")
    return HttpResponse{200, "text/plain; version=0.0.4", metrics.render(), {}};
  return std::nullopt;
}

std::function<bool()> redis_health_check(const RedisConfig& redis) {
  auto conn = std::make_shared<RedisConnection>(redis);
  auto mutex = std::make_shared<std::mutex>();
  return [conn, mutex] {
    std::lock_guard lock(*mutex);
    try {
      return conn->command({"PING"}).str == "PONG";
    } catch (const RedisError&) {
      return false;
    }
  };
}

}  // namespace piket::common
