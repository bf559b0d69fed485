// GET /healthz (alive) and GET /readyz (can do its work) of common::ops_endpoints (label unit).
#include "piket/common/ops_endpoints.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include "piket/common/periodic.hpp"

namespace piket::common {
namespace {

HttpRequest get(const std::string& path) {
  HttpRequest r;
  r.method = "GET";
  r.path = r.target = path;
  return r;
}

TEST(OpsEndpoints, ReadyzAnswersByItsCheckAndHealthzNeverAsksIt) {
  const Metrics metrics("test");
  std::optional<std::string> readiness;
  int asked = 0;
  const HealthCheck ready = [&] {
    ++asked;
    return readiness;
  };
  EXPECT_EQ(ops_endpoints(get("/healthz"), metrics, ready)->status, 200);
  EXPECT_EQ(asked, 0) << "/healthz asked the readiness check (Redis)";
  EXPECT_EQ(ops_endpoints(get("/readyz"), metrics, ready)->status, 200);
  EXPECT_EQ(asked, 1);

  for (const char* problem :
       {"redis cannot be reached", "redis has 0 replica(s) connected; min_replicas is 1"}) {
    readiness = problem;
    const auto not_ready = ops_endpoints(get("/readyz"), metrics, ready);
    EXPECT_EQ(not_ready->status, 503);
    EXPECT_NE(not_ready->body.find("not_ready"), std::string::npos) << not_ready->body;
    EXPECT_NE(not_ready->body.find(problem), std::string::npos) << not_ready->body;
    EXPECT_EQ(ops_endpoints(get("/healthz"), metrics, ready)->status, 200)
        << "alive, though not ready: " << problem;
  }
  EXPECT_EQ(asked, 3);

  HttpRequest post = get("/healthz");
  post.method = "POST";
  EXPECT_FALSE(ops_endpoints(post, metrics, ready)) << "another method is the service's own";
  EXPECT_FALSE(ops_endpoints(get("/healthz/x"), metrics, ready));
}

// A loop of the process stuck in one step (common/periodic.hpp) makes /healthz 503 naming it:
// what a health checker should restart.
TEST(OpsEndpoints, HealthzIs503WhileALoopIsStuck) {
  const Metrics metrics("test");
  const HealthCheck ready = [] { return std::nullopt; };
  SimulatedClock clock(from_epoch_ms(1'800'000'000'000));
  std::promise<void> release;
  const auto released = release.get_future().share();
  std::atomic<bool> inside{false};
  Periodic loop({"deadline engine", Millis{1000}}, clock, [&] {
    inside = true;
    released.wait();
  });
  loop.start();
  for (int i = 0; i < 500 && !inside; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  EXPECT_TRUE(inside);  // not ASSERT: the step must be released below, or stop() waits for ever
  EXPECT_EQ(ops_endpoints(get("/healthz"), metrics, ready)->status, 200);

  clock.advance(kLoopStuckAfter + Millis{1000});
  const auto stuck = ops_endpoints(get("/healthz"), metrics, ready);
  EXPECT_EQ(stuck->status, 503);
  EXPECT_NE(stuck->body.find("unhealthy"), std::string::npos) << stuck->body;
  EXPECT_NE(stuck->body.find("loop 'deadline engine' stuck in one step"), std::string::npos)
      << stuck->body;
  EXPECT_EQ(ops_endpoints(get("/readyz"), metrics, ready)->status, 200) << "readiness is Redis's";

  release.set_value();
  loop.stop();
  EXPECT_EQ(ops_endpoints(get("/healthz"), metrics, ready)->status, 200);
}

TEST(OpsEndpoints, MetricsCarryTheRedisFailoverAndReplicaWaitCounters) {
  const Metrics metrics("test");
  const auto text = ops_endpoints(get("/metrics"), metrics, [] { return std::nullopt; })->body;
  EXPECT_NE(text.find("piket_redis_failovers_followed_total{service=\"test\"}"), std::string::npos)
      << text;
  EXPECT_NE(text.find("piket_redis_replica_waits_timed_out_total{service=\"test\"}"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace piket::common
