#pragma once
// What a rota file says: per region, layers built from rotations, plus
// overrides. Plain data; Rota (rota.hpp) turns it into answers.

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "piket/rota/override.hpp"
#include "piket/rota/rotation.hpp"

namespace piket::rota {

inline constexpr std::string_view kPrimary = "primary";
inline constexpr std::string_view kBackup = "backup";
inline constexpr std::string_view kTeamLead = "team_lead";
// Optional: casemanagers at work (office hours). Selection treats being on
// call here like being on call in primary or backup for the own casemanager.
inline constexpr std::string_view kWorkingHours = "working_hours";

// Every region has these layers, even when no rotation fills them (then they
// are one long gap).
inline constexpr std::array<std::string_view, 3> kRequiredLayers{kPrimary, kBackup, kTeamLead};

struct LayerDefinition {
  std::string name;
  std::vector<Rotation> rotations;  // on call in the layer: the union of them
};

struct RegionDefinition {
  std::string id;
  std::vector<LayerDefinition> layers;

  const LayerDefinition* layer(std::string_view name) const;
};

struct RotaDefinition {
  std::vector<RegionDefinition> regions;
  std::vector<Override> overrides;

  const RegionDefinition* region(std::string_view id) const;
};

}  // namespace piket::rota
