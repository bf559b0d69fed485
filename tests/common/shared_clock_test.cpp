// The shared simulated clock against a private redis-server (label `redis`): a service
// follows a move and says so in clock:seen under its Redis user and under its own
// instance's field, which the cluster's test driver waits on for each of two instances
// (ClusterStack::wait_clock_followed).
#include "piket/common/shared_clock.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "piket/common/redis.hpp"
#include "piket/store/clock.hpp"
#include "private_redis.hpp"

namespace piket::common {
namespace {

using namespace std::chrono_literals;

TEST(SeenInstanceField, NamesTheUserAndTheProcess) {
  EXPECT_EQ(seen_instance_field("ingest", 4242), "ingest:4242");
  EXPECT_EQ(seen_instance_field("dispatch"), "dispatch:" + std::to_string(::getpid()));
}

TEST(SharedSimulatedClock, AFollowedMoveIsSeenUnderTheUserAndTheInstance) {
  test::PrivateRedis redis("piket-shared-clock");
  const SystemClock transport;
  const auto start = from_epoch_ms(1'795'330'800'000);
  const auto clock = make_shared_simulated_clock(redis.config_as("ingest"), start, transport);
  const auto moved = move_shared_clock(redis.config_as("ingest"), Millis{300'000}, std::nullopt);
  ASSERT_TRUE(moved);
  EXPECT_EQ(to_epoch_ms(*moved), 1'795'331'100'000);

  RedisConnection ops(redis.config());
  const std::string want = std::to_string(to_epoch_ms(*moved));
  RedisReply seen;
  for (int i = 0; i < 500; ++i) {
    seen = ops.command(
        {"HMGET", std::string(store::kClockSeen), "ingest", seen_instance_field("ingest")});
    if (seen.elements.at(1).opt_string() == want) break;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(clock->now(), *moved);
  EXPECT_EQ(seen.elements.at(0).opt_string(), want);
  EXPECT_EQ(seen.elements.at(1).opt_string(), want);
}

}  // namespace
}  // namespace piket::common
