#pragma once
// Worlds and scenarios for the planner's tests, built in memory.

#include <memory>
#include <string>

#include "piket/planner/scenario.hpp"
#include "piket/planner/world.hpp"
#include "piket/rota/rota.hpp"

namespace piket::planner::test {

inline const char* kRegion = "noord";

// `c` casemanagers all on call in the primary layer at all times (one
// rotation each), a team lead always on call, the default policies.
inline World all_on_call(int c, int cap, const Scenario& s) {
  World w;
  w.region = kRegion;
  w.directory.regions = {{kRegion, "Noord"}};
  rota::RegionDefinition region{kRegion, {}};
  rota::LayerDefinition primary{std::string(rota::kPrimary), {}};
  auto always = [](std::string name, std::string person) {
    rota::Rotation r;
    r.name = std::move(name);
    r.shift = rota::ShiftLength::weeks(1);
    r.start = date::year{2020} / 1 / 6;
    r.members = {std::move(person)};
    return r;
  };
  for (int i = 1; i <= c; ++i) {
    const std::string id = "icm-" + std::to_string(i);
    rota::PersonConfig p;
    p.id = id;
    p.regions = {kRegion};
    p.caseload_cap = cap;
    w.directory.people.push_back(p);
    primary.rotations.push_back(always("r" + std::to_string(i), id));
  }
  rota::PersonConfig lead;
  lead.id = "tl-1";
  lead.role = rota::StaffRole::team_lead;
  lead.regions = {kRegion};
  w.directory.people.push_back(lead);
  region.layers.push_back(primary);
  region.layers.push_back({std::string(rota::kTeamLead), {always("lead", "tl-1")}});
  rota::RotaDefinition def;
  def.regions.push_back(region);
  w.rota = std::make_shared<const rota::Rota>(std::move(def), std::vector<rota::Override>{},
                                              rota_horizon(s));
  w.reply_code_window = std::chrono::hours{1};
  return w;
}

// A scenario over `days` of home bans at `per_week`, flat profiles, nobody
// ill, answers at once, no travel, exponential intakes of `mean_minutes`
// and no plan writing: an M/M/c queue.
inline Scenario queue_scenario(double per_week, double mean_minutes, int days) {
  Scenario s;
  s.file = "test.toml";
  s.region = kRegion;
  s.start = common::Instant{date::sys_days{date::year{2027} / 1 / 4}};
  s.days = days;
  s.arrivals.streams = {{common::IncidentKind::home_ban, per_week}};
  s.arrivals.hour_profile.fill(1);
  s.arrivals.day_profile.fill(1);
  s.people.acknowledge = Distribution::fixed(0);
  s.people.travel = Distribution::fixed(0);
  s.people.intake = Distribution::exponential(mean_minutes);
  s.people.plan = Distribution::fixed(0);
  s.people.visits_per_week = 0;
  s.people.sick_share = 0;
  return s;
}

inline std::string sample_scenario() {
  return std::string(PIKET_SOURCE_DIR) + "/deploy/planning/sample.toml";
}

}  // namespace piket::planner::test
