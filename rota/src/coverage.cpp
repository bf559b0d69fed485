#include "piket/rota/coverage.hpp"

#include <set>

namespace piket::rota {

std::vector<TimeRange> gaps(const Rota& rota, std::string_view layer, std::string_view region,
                            TimeRange range) {
  std::vector<TimeRange> out;
  for (const auto& s : rota.timeline(layer, region, range))
    if (s.gap()) out.push_back(s.range());  // adjacent segments differ, so gaps never touch
  return out;
}

std::vector<LayerGap> coverage_gaps(const Rota& rota, std::span<const std::string> regions,
                                    TimeRange range) {
  std::set<std::pair<std::string, std::string>> layers;
  for (const auto& region : regions)
    for (auto name : kRequiredLayers) layers.emplace(region, std::string(name));
  std::vector<LayerGap> out;
  for (const auto& [region, layer] : layers)
    for (const auto& g : gaps(rota, layer, region, range))
      out.push_back(LayerGap{region, layer, g});
  return out;
}

std::vector<LayerGap> check_coverage(const Rota& rota, std::span<const std::string> regions,
                                     common::Instant from, int days) {
  return coverage_gaps(rota, regions, TimeRange{from, from + std::chrono::hours{24} * days});
}

}  // namespace piket::rota
