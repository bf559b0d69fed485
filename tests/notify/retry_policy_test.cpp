// retry_delay: exponential growth from `initial`, capped at `max`, ±20 % jitter.
#include "piket/notify/retry_policy.hpp"

#include <gtest/gtest.h>

namespace piket::notify {
namespace {

using common::Millis;
constexpr Millis kInitial{500};
constexpr Millis kMax{30000};

TEST(RetryDelayTest, DoublesPerAttemptWithoutJitter) {
  // jitter01 = 0.5 is the middle of the band: factor 1.
  Millis expected = kInitial;
  for (int attempt = 1; attempt <= 6; ++attempt) {
    EXPECT_EQ(retry_delay(attempt, kInitial, kMax, 0.5), expected) << attempt;
    expected *= 2;
  }
  EXPECT_EQ(retry_delay(1, Millis{100}, kMax, 0.5), Millis{100});
  EXPECT_EQ(retry_delay(4, Millis{100}, kMax, 0.5), Millis{800});
}

TEST(RetryDelayTest, IsCappedAtMax) {
  // 500 · 2^6 = 32000 > 30000.
  for (int attempt : {7, 8, 20, 31, 1000, 1 << 30})
    EXPECT_EQ(retry_delay(attempt, kInitial, kMax, 0.5), kMax) << attempt;
}

TEST(RetryDelayTest, NeverDecreasesWithTheAttempt) {
  for (double j : {0.0, 0.25, 0.5, 0.99}) {
    Millis previous{0};
    for (int attempt = 1; attempt <= 40; ++attempt) {
      const auto d = retry_delay(attempt, kInitial, kMax, j);
      EXPECT_GE(d, previous) << attempt << " " << j;
      EXPECT_LE(d, kMax);
      previous = d;
    }
  }
}

TEST(RetryDelayTest, JitterStaysWithinTwentyPercent) {
  for (int attempt = 1; attempt <= 5; ++attempt) {
    const double base = static_cast<double>(kInitial.count()) * (1 << (attempt - 1));
    EXPECT_EQ(retry_delay(attempt, kInitial, kMax, 0.0).count(), static_cast<long long>(base * 0.8))
        << attempt;
    for (double j = 0.0; j < 1.0; j += 0.05) {
      const auto d = static_cast<double>(retry_delay(attempt, kInitial, kMax, j).count());
      EXPECT_GE(d, base * 0.8 - 1) << attempt << " " << j;
      EXPECT_LT(d, base * 1.2) << attempt << " " << j;
    }
    // More jitter is never less delay.
    EXPECT_LT(retry_delay(attempt, kInitial, kMax, 0.1), retry_delay(attempt, kInitial, kMax, 0.9));
  }
}

TEST(RetryDelayTest, JitterNeverExceedsTheCap) {
  EXPECT_EQ(retry_delay(30, kInitial, kMax, 0.999), kMax);
  EXPECT_EQ(retry_delay(30, kInitial, kMax, 0.0), Millis{24000});
}

TEST(RetryDelayTest, OutOfRangeInputsAreClamped) {
  // Attempt 0 or negative: as the first attempt.
  EXPECT_EQ(retry_delay(0, kInitial, kMax, 0.5), kInitial);
  EXPECT_EQ(retry_delay(-5, kInitial, kMax, 0.5), kInitial);
  // Jitter outside [0, 1): the band's ends.
  EXPECT_EQ(retry_delay(1, kInitial, kMax, -3.0), Millis{400});
  EXPECT_EQ(retry_delay(1, kInitial, kMax, 7.0), Millis{600});
}

}  // namespace
}  // namespace piket::notify
