#pragma once
// Fairness over a range: per region, layer and person, how much on-call time
// and how much of it fell at night, at weekends and on public holidays. All
// durations are real elapsed time; a Saturday night counts as night AND as
// weekend (the categories overlap; docs/rota-time-rules.md).

#include <chrono>
#include <string>
#include <vector>

#include "piket/rota/rota.hpp"

namespace piket::rota {

struct FairnessOptions {
  // Night: from night_start to night_end the next morning, Amsterdam wall clock.
  std::chrono::minutes night_start{22 * 60};
  std::chrono::minutes night_end{7 * 60};
};

struct FairnessRow {
  std::string region;
  std::string layer;
  std::string person;
  common::Millis on_call{0};
  common::Millis night{0};
  common::Millis weekend{0};  // Saturday 00:00 to Monday 00:00
  common::Millis holiday{0};  // on Dutch public holidays (holidays.hpp), 00:00–24:00
  int stretches = 0;          // separate times on call that start in the range
                              // (not counting one already running before it)
  friend bool operator==(const FairnessRow&, const FairnessRow&) = default;
};

// One row per person who is a member of a rotation of the layer or named by
// one of its overrides (so people with no time show up with zeros). Sorted by
// region, layer, person.
std::vector<FairnessRow> fairness(const Rota& rota, TimeRange range,
                                  const FairnessOptions& options = {});

}  // namespace piket::rota
