// GET /healthz (alive) and GET /readyz (can do its work) of common::ops_endpoints (label unit).
#include "piket/common/ops_endpoints.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace piket::common {
namespace {

HttpRequest get(const std::string& path) {
  HttpRequest r;
  r.method = "GET";
  r.path = r.target = path;
  return r;
}

TEST(OpsEndpoints, ReadyzAnswersByItsOwnCheckAndHealthzByTheHealthCheck) {
  const Metrics metrics("test");
  std::optional<std::string> health, readiness;
  const HealthCheck check = [&] { return health; };
  const HealthCheck ready = [&] { return readiness; };
  EXPECT_EQ(ops_endpoints(get("/healthz"), metrics, check, ready)->status, 200);
  EXPECT_EQ(ops_endpoints(get("/readyz"), metrics, check, ready)->status, 200);

  readiness = "redis has 0 replica(s) connected; min_replicas is 1";
  const auto not_ready = ops_endpoints(get("/readyz"), metrics, check, ready);
  EXPECT_EQ(not_ready->status, 503);
  EXPECT_NE(not_ready->body.find("not_ready"), std::string::npos) << not_ready->body;
  EXPECT_NE(not_ready->body.find("0 replica(s)"), std::string::npos) << not_ready->body;
  EXPECT_EQ(ops_endpoints(get("/healthz"), metrics, check, ready)->status, 200)
      << "alive, though not ready";

  // Without a readiness check /readyz answers by the health check.
  health = "redis cannot be reached";
  EXPECT_EQ(ops_endpoints(get("/readyz"), metrics, check)->status, 503);
  EXPECT_EQ(ops_endpoints(get("/readyz"), metrics, [] { return true; })->status, 200);
  EXPECT_EQ(ops_endpoints(get("/readyz"), metrics, [] { return false; })->status, 503);
}

TEST(OpsEndpoints, MetricsCarryTheRedisFailoverAndReplicaWaitCounters) {
  const Metrics metrics("test");
  const auto text = ops_endpoints(get("/metrics"), metrics, [] { return true; })->body;
  EXPECT_NE(text.find("piket_redis_failovers_followed_total{service=\"test\"}"), std::string::npos)
      << text;
  EXPECT_NE(text.find("piket_redis_replica_waits_timed_out_total{service=\"test\"}"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace piket::common
