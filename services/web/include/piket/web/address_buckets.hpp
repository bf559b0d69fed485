#pragma once
// A token bucket per client address, in memory, on the injected transport
// clock: `per_second` tokens a second up to `burst`. Bounded: at most
// `max_addresses` buckets; when full, buckets that have refilled are dropped
// (a new one would be full anyway), else the one idle longest. Thread-safe.
// (Written here: no Debian package offers a bounded keyed token bucket; it is
// ingest's RateLimiter with a bound on the keys a stranger can create.)

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

#include "piket/common/clock.hpp"

namespace piket::web {

class AddressBuckets {
 public:
  AddressBuckets(const common::Clock& clock, double per_second, double burst,
                 std::size_t max_addresses = 10000);

  struct Decision {
    bool allowed = true;
    common::Millis retry_after{0};
  };
  Decision take(const std::string& address);
  std::size_t size() const;

 private:
  struct Bucket {
    double tokens = 0;
    common::Instant last{};
  };
  void refill(Bucket& b, common::Instant now) const;
  void make_room(common::Instant now);

  const common::Clock& clock_;
  double per_second_;
  double burst_;
  std::size_t max_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace piket::web
