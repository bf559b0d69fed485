#include <numeric>
#include <stdexcept>

#include "piket/rota/override.hpp"
#include "piket/rota/rota_definition.hpp"
#include "piket/rota/rotation.hpp"

namespace piket::rota {

ShiftLength ShiftLength::hours(int h) {
  return ShiftLength{{std::chrono::hours{h}}};
}
ShiftLength ShiftLength::days(int n) {
  return ShiftLength{{std::chrono::hours{24 * n}}};
}
ShiftLength ShiftLength::weeks(int n) {
  return ShiftLength{{std::chrono::hours{24 * 7 * n}}};
}
ShiftLength ShiftLength::custom(const std::vector<int>& hours) {
  ShiftLength s;
  for (int h : hours) s.cycle.emplace_back(std::chrono::hours{h});
  return s;
}

std::chrono::minutes ShiftLength::cycle_length() const {
  return std::accumulate(cycle.begin(), cycle.end(), std::chrono::minutes{0});
}

std::optional<OverrideWindowProblem> check_override_window(const TimeRange& window,
                                                           common::Instant now) {
  if (window.end <= window.start) return OverrideWindowProblem::empty;
  if (window.end - window.start > kMaxOverrideLength) return OverrideWindowProblem::too_long;
  if (window.end <= now) return OverrideWindowProblem::in_past;
  return std::nullopt;
}

std::string_view to_string(OverrideKind kind) {
  switch (kind) {
    case OverrideKind::replace:
      return "replace";
    case OverrideKind::add:
      return "add";
    case OverrideKind::remove:
      return "remove";
  }
  return "unknown";
}

const LayerDefinition* RegionDefinition::layer(std::string_view name) const {
  for (const auto& l : layers)
    if (l.name == name) return &l;
  return nullptr;
}

const RegionDefinition* RotaDefinition::region(std::string_view id) const {
  for (const auto& r : regions)
    if (r.id == id) return &r;
  return nullptr;
}

}  // namespace piket::rota
