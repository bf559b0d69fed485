#pragma once
// A half-open stretch of time [start, end) on the UTC timeline.

#include "piket/common/clock.hpp"

namespace piket::rota {

struct TimeRange {
  common::Instant start{};
  common::Instant end{};

  bool empty() const { return end <= start; }
  common::Millis length() const { return empty() ? common::Millis{0} : end - start; }
  bool contains(common::Instant t) const { return start <= t && t < end; }
  bool overlaps(const TimeRange& other) const { return start < other.end && other.start < end; }
  friend bool operator==(const TimeRange&, const TimeRange&) = default;
};

}  // namespace piket::rota
