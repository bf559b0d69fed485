#include "piket/web/address_buckets.hpp"

#include <algorithm>
#include <cmath>

namespace piket::web {

AddressBuckets::AddressBuckets(const common::Clock& clock, double per_second, double burst,
                               std::size_t max_addresses)
    : clock_(clock),
      per_second_(per_second),
      burst_(std::max(1.0, burst)),
      max_(std::max<std::size_t>(1, max_addresses)) {}

void AddressBuckets::refill(Bucket& b, common::Instant now) const {
  if (now <= b.last) return;
  const double elapsed = std::chrono::duration<double>(now - b.last).count();
  b.tokens = std::min(burst_, b.tokens + elapsed * per_second_);
  b.last = now;
}

void AddressBuckets::make_room(common::Instant now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    refill(it->second, now);
    it = it->second.tokens >= burst_ ? buckets_.erase(it) : std::next(it);
  }
  if (buckets_.size() < max_) return;
  const auto oldest =
      std::min_element(buckets_.begin(), buckets_.end(),
                       [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
  buckets_.erase(oldest);
}

AddressBuckets::Decision AddressBuckets::take(const std::string& address) {
  std::lock_guard lock(mutex_);
  const auto now = clock_.now();
  auto it = buckets_.find(address);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_) make_room(now);
    it = buckets_.emplace(address, Bucket{burst_, now}).first;
  }
  auto& b = it->second;
  refill(b, now);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {};
  }
  const double wait_s = (1.0 - b.tokens) / per_second_;
  return {false, common::Millis{static_cast<long long>(std::ceil(wait_s * 1000.0))}};
}

std::size_t AddressBuckets::size() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace piket::web
