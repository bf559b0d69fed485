#include "piket/common/clock.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace piket::common {
namespace {

const Instant kStart = from_epoch_ms(1'795'000'000'000);

TEST(SimulatedClockTest, StartsWhereTold) {
  SimulatedClock clock(kStart);
  EXPECT_EQ(clock.now(), kStart);
  EXPECT_EQ(to_epoch_ms(clock.now()), 1'795'000'000'000);
}

TEST(SimulatedClockTest, StandsStillUntilAdvanced) {
  SimulatedClock clock(kStart);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(clock.now(), kStart);
}

TEST(SimulatedClockTest, AdvanceAddsUp) {
  SimulatedClock clock(kStart);
  clock.advance(Millis{1500});
  EXPECT_EQ(clock.now(), kStart + Millis{1500});
  clock.advance(std::chrono::hours{24});
  EXPECT_EQ(clock.now(), kStart + Millis{1500} + std::chrono::hours{24});
}

TEST(SimulatedClockTest, AdvanceByZeroOrNegativeDoesNothing) {
  SimulatedClock clock(kStart);
  clock.advance(Millis{0});
  EXPECT_EQ(clock.now(), kStart);
  clock.advance(Millis{-1000});
  EXPECT_EQ(clock.now(), kStart);
}

TEST(SimulatedClockTest, SetForwardAndToNow) {
  SimulatedClock clock(kStart);
  EXPECT_TRUE(clock.set(kStart + std::chrono::minutes{5}));
  EXPECT_EQ(clock.now(), kStart + std::chrono::minutes{5});
  EXPECT_TRUE(clock.set(clock.now()));  // same instant: not backwards
  EXPECT_EQ(clock.now(), kStart + std::chrono::minutes{5});
}

TEST(SimulatedClockTest, SetNeverGoesBackwards) {
  SimulatedClock clock(kStart);
  clock.advance(Millis{10'000});
  EXPECT_FALSE(clock.set(kStart));
  EXPECT_EQ(clock.now(), kStart + Millis{10'000});
  EXPECT_FALSE(clock.set(kStart + Millis{9'999}));
  EXPECT_EQ(clock.now(), kStart + Millis{10'000});
}

TEST(SimulatedClockTest, ConcurrentAdvancesAreNotLost) {
  SimulatedClock clock(kStart);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i) clock.advance(Millis{1});
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(clock.now(), kStart + Millis{40'000});
}

TEST(SimulatedClockTest, ConcurrentSetsEndAtTheLatest) {
  SimulatedClock clock(kStart);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) clock.set(kStart + Millis{i * 4 + t});
    });
  for (auto& t : threads) t.join();
  // Whatever the interleaving, the clock ends at the largest instant anyone set.
  EXPECT_EQ(clock.now(), kStart + Millis{999 * 4 + 3});
}

TEST(SystemClockTest, IsNearTheWallClockAndMonotonicEnough) {
  SystemClock clock;
  const auto a = clock.now();
  const auto wall = std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
  const auto b = clock.now();
  EXPECT_LE(a, wall);
  EXPECT_LE(wall, b);
}

}  // namespace
}  // namespace piket::common
