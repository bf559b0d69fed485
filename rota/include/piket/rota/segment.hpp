#pragma once
// One piece of a layer's timeline: who is on call over [start, end). Adjacent
// segments of a timeline always differ in `people`.

#include <string>
#include <vector>

#include "piket/rota/time_range.hpp"

namespace piket::rota {

struct Segment {
  common::Instant start{};
  common::Instant end{};
  std::vector<std::string> people;  // sorted by id; empty: a gap

  bool gap() const { return people.empty(); }
  TimeRange range() const { return {start, end}; }
  friend bool operator==(const Segment&, const Segment&) = default;
};

}  // namespace piket::rota
