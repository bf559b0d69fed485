#pragma once
// What the board shows of the rota: who is on call now in each layer, the
// next handoffs, gaps in the coming days, and the run-time overrides (sickness,
// swaps) that team leads register. Behind an interface so the handlers need
// no rota library: FileRotaSource (file_rota_source.hpp) fills it from the
// deployment's rota file.

#include <optional>
#include <string>
#include <vector>

#include "piket/common/clock.hpp"

namespace piket::web {

struct LayerNow {
  std::string layer;
  std::vector<std::string> people;       // empty: nobody (a gap)
  std::optional<common::Instant> until;  // when this stretch ends
};

struct UpcomingHandoff {
  std::string layer;
  std::string person;
  common::Instant at{};
  bool goes_on = true;  // false: goes off call
};

struct RotaGap {
  std::string layer;
  common::Instant from{};
  common::Instant until{};
};

// A run-time override: `person` takes over from `replaces` (sickness, swap).
struct RotaOverride {
  std::string id;
  std::string region;
  std::string layer = "primary";
  std::string reason;    // sickness | swap
  std::string person;    // who is on call instead
  std::string replaces;  // who is off
  common::Instant start{};
  common::Instant end{};
  std::string by;  // the team lead who registered it
  common::Instant created_at{};
};

struct RotaPicture {
  std::vector<LayerNow> now;
  std::vector<UpcomingHandoff> handoffs;  // sorted by time
  std::vector<RotaGap> gaps;              // sorted by layer, time
  std::vector<RotaOverride> overrides;    // those not yet over, by start
};

class RotaSource {
 public:
  virtual ~RotaSource() = default;
  // The rota of `region` around `now`, gaps over the next `gap_days` days.
  virtual RotaPicture picture(const std::string& region, common::Instant now, int gap_days) = 0;
  // Stores an override (it applies from then on). Throws on storage failure.
  virtual void add_override(const RotaOverride& o) = 0;
  // Casemanagers on call in the primary layer at `at` (for suggestions).
  virtual std::vector<std::string> on_call(const std::string& region, const std::string& layer,
                                           common::Instant at) = 0;
};

}  // namespace piket::web
