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

// The escalation the rota above is paged with: primary 5 min → backup 5 min →
// team lead 10 min; `rest` adds keys (repeat, forgotten_minutes, …), one a line.
inline std::string groningen_escalation(const std::string& rest) {
  return "[escalation]\n"
         "steps = [{target = \"primary\", wait_minutes = 5},\n"
         "         {target = \"backup\", wait_minutes = 5},\n"
         "         {target = \"team_lead\", wait_minutes = 10}]\n" +
         rest;
}

}  // namespace piket::e2e
