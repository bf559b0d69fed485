#pragma once
// Coverage gaps: stretches of time in which a layer has nobody on call.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "piket/rota/rota.hpp"

namespace piket::rota {

// The uncovered stretches of one layer within `range`, merged, in order.
std::vector<TimeRange> gaps(const Rota& rota, std::string_view layer, std::string_view region,
                            TimeRange range);

struct LayerGap {
  std::string region;
  std::string layer;
  TimeRange gap;
  friend bool operator==(const LayerGap&, const LayerGap&) = default;
};

// Gaps of the required layers (primary, backup, team_lead) of `regions`, even
// of regions the rota never mentions. Other layers (working_hours, …) are not
// meant to cover every hour and are not reported; ask gaps() for them.
// Sorted by region, layer, time.
std::vector<LayerGap> coverage_gaps(const Rota& rota, std::span<const std::string> regions,
                                    TimeRange range);

// The start-up check: gaps in the next `days` days from `from`. A deployment
// refuses to start when this is not empty, unless told otherwise.
inline constexpr int kDefaultCoverageDays = 14;
std::vector<LayerGap> check_coverage(const Rota& rota, std::span<const std::string> regions,
                                     common::Instant from, int days = kDefaultCoverageDays);

}  // namespace piket::rota
