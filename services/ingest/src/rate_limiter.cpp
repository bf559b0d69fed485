#include "piket/ingest/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace piket::ingest {

void RateLimiter::configure(const std::string& key, double rate_per_second, double burst) {
  std::lock_guard lock(mutex_);
  auto& b = buckets_[key];
  b.rate = rate_per_second;
  b.burst = burst;
  b.tokens = burst;
  b.last = clock_.now();
}

RateLimiter::Decision RateLimiter::admit(const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto it = buckets_.find(key);
  if (it == buckets_.end()) return {};
  auto& b = it->second;
  const auto now = clock_.now();
  if (now > b.last) {
    const double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(b.burst, b.tokens + elapsed * b.rate);
    b.last = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {};
  }
  const double wait_s = (1.0 - b.tokens) / b.rate;
  return {false, common::Millis{static_cast<long long>(std::ceil(wait_s * 1000.0))}};
}

}  // namespace piket::ingest
