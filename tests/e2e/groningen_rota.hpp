#pragma once
// The rota file of the end-to-end tests: weekly primary and backup rotations
// over icm-1…icm-6 in groningen (the backup is next week's primary), team
// lead tl-g; drenthe has icm-d1 and tl-d.

#include <string>

namespace piket::e2e {

inline std::string groningen_rota_file() {
  return R"(
[[rotations]]
region = "groningen"
layer = "primary"
name = "weekly"
shift = "week"
handoff = "08:00"
start = 2026-01-05
members = ["icm-1", "icm-2", "icm-3", "icm-4", "icm-5", "icm-6"]

[[rotations]]
region = "groningen"
layer = "backup"
name = "weekly-next"
shift = "week"
handoff = "08:00"
start = 2026-01-05
members = ["icm-1", "icm-2", "icm-3", "icm-4", "icm-5", "icm-6"]
offset = 1

[[rotations]]
region = "groningen"
layer = "team_lead"
name = "tl"
shift = "week"
handoff = "08:00"
start = 2026-01-05
members = ["tl-g"]

[[rotations]]
region = "drenthe"
layer = "primary"
name = "d"
shift = "week"
handoff = "08:00"
start = 2026-01-05
members = ["icm-d1"]

[[rotations]]
region = "drenthe"
layer = "backup"
name = "d"
shift = "week"
handoff = "08:00"
start = 2026-01-05
members = ["icm-d1"]

[[rotations]]
region = "drenthe"
layer = "team_lead"
name = "d"
shift = "week"
handoff = "08:00"
start = 2026-01-05
members = ["tl-d"]
)";
}

}  // namespace piket::e2e
