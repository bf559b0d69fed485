#pragma once
// Internal: turning rotations and overrides into a layer's timeline over a
// range. The one place the schedule is computed; Rota precomputes its horizon
// with it and falls back to it outside.

#include <span>
#include <string>
#include <vector>

#include "piket/rota/override.hpp"
#include "piket/rota/rotation.hpp"
#include "piket/rota/segment.hpp"

namespace piket::rota::detail {

struct Shift {
  TimeRange range;
  const std::string* person;
};

// The shifts of `rotation` overlapping `range`, clipped to it and to the
// rotation's restrictions; empty pieces dropped. In time order.
std::vector<Shift> rotation_shifts(const Rotation& rotation, TimeRange range);

// The instants covered by weekly wall-clock windows within `range`: sorted,
// merged, non-empty.
std::vector<TimeRange> window_ranges(const std::vector<WeeklyWindow>& windows, TimeRange range);

// Sorted, merged union of ranges (touching ranges merge).
std::vector<TimeRange> merge_ranges(std::vector<TimeRange> ranges);

// Total length of the overlap between two sorted, merged lists.
common::Millis overlap(const std::vector<TimeRange>& a, const std::vector<TimeRange>& b);

// The layer's timeline: segments tiling `range` exactly, adjacent segments
// differing in people. `overrides` apply in the order given.
std::vector<Segment> compute_timeline(std::span<const Rotation* const> rotations,
                                      std::span<const Override* const> overrides, TimeRange range);

}  // namespace piket::rota::detail
