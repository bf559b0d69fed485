#include "piket/planner/world.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "piket/config/config.hpp"
#include "piket/planner/fair_rota.hpp"
#include "piket/rota/rota_file.hpp"
#include "piket/rota/wall_clock.hpp"

namespace piket::planner {

rota::TimeRange rota_horizon(const Scenario& s) {
  return {s.start - std::chrono::days{s.warmup_days + 1}, s.end() + std::chrono::days{31}};
}

World load_world(const Scenario& s) {
  config::Config cfg;
  try {
    cfg = config::load_config(s.deployment);
  } catch (const std::exception& e) {
    throw ScenarioError(s.file + ": scenario.deployment: " + e.what());
  }
  if (!cfg.region(s.region))
    throw ScenarioError(s.file + ": scenario.region: \"" + s.region + "\" is not a region of " +
                        s.deployment.string());
  const auto rota_file = s.rota.value_or(cfg.rota.file);
  rota::RotaDefinition def;
  try {
    def = rota::load_rota_file(rota_file, cfg.people);
  } catch (const std::exception& e) {
    throw ScenarioError(s.file + ": scenario.rota: " + e.what());
  }
  World w;
  w.region = s.region;
  w.directory = static_cast<const rota::Directory&>(cfg);
  w.rota = std::make_shared<const rota::Rota>(std::move(def), std::vector<rota::Override>{},
                                              rota_horizon(s));
  w.escalation = cfg.escalation.policy(s.region);
  w.deadlines = cfg.deadlines;
  w.monitoring_weight = cfg.caseload.monitoring_weight;
  w.reply_code_window = cfg.reply_code_window();
  return w;
}

World with_casemanagers(const World& base, const Scenario& s, int n, int per_group) {
  World w = base;
  w.directory.people.clear();
  std::optional<int> cap;
  std::vector<std::string> leads, casemanagers;
  for (const auto& p : base.directory.people) {
    const bool here = std::find(p.regions.begin(), p.regions.end(), s.region) != p.regions.end();
    if (!here) continue;
    if (p.role == rota::StaffRole::team_lead) {
      w.directory.people.push_back(p);
      leads.push_back(p.id);
    } else if (p.role == rota::StaffRole::casemanager && !cap) {
      cap = p.caseload_cap;
    }
  }
  for (int i = 1; i <= n; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "icm-sim-%02d", i);
    rota::PersonConfig p;
    p.id = id;
    p.display_name = id;
    p.regions = {s.region};
    p.caseload_cap = cap.value_or(rota::PersonConfig{}.caseload_cap);
    w.directory.people.push_back(p);
    casemanagers.push_back(id);
  }
  const auto horizon = rota_horizon(s);
  auto def = fair_rota(s.region, casemanagers, leads,
                       date::year_month_day{date::floor<date::days>(horizon.start)},
                       groups_for(n, per_group));
  w.rota =
      std::make_shared<const rota::Rota>(std::move(def), std::vector<rota::Override>{}, horizon);
  return w;
}

}  // namespace piket::planner
