#pragma once
// A token bucket per partner. Thread-safe. Time comes from the injected clock.

#include <map>
#include <mutex>
#include <string>

#include "piket/common/clock.hpp"

namespace piket::ingest {

class RateLimiter {
 public:
  struct Decision {
    bool allowed = true;
    common::Millis retry_after{0};  // when not allowed: wait at least this long
  };

  explicit RateLimiter(const common::Clock& clock) : clock_(clock) {}
  // Configures (or reconfigures) one key's rate (tokens per second) and burst.
  void configure(const std::string& key, double rate_per_second, double burst);
  // Takes one token for `key`; unknown keys are never limited.
  Decision admit(const std::string& key);

 private:
  struct Bucket {
    double rate = 1;
    double burst = 1;
    double tokens = 1;
    common::Instant last{};
  };
  const common::Clock& clock_;
  std::mutex mutex_;
  std::map<std::string, Bucket, std::less<>> buckets_;
};

}  // namespace piket::ingest
