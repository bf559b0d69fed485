#pragma once
// What a simulation runs on: the deployment's people and policies, read with
// the real parsers (config::load_config, rota::load_rota_file), and the rota.

#include <memory>
#include <string>

#include "piket/cases/cases_config.hpp"
#include "piket/paging/escalation_policy.hpp"
#include "piket/planner/scenario.hpp"
#include "piket/rota/directory.hpp"
#include "piket/rota/rota.hpp"

namespace piket::planner {

struct World {
  std::string region;
  rota::Directory directory;  // its people are the only ones the selection knows
  std::shared_ptr<const rota::Rota> rota;
  paging::EscalationPolicy escalation;  // the region's
  cases::DeadlinesConfig deadlines;
  double monitoring_weight = 0.25;
  common::Millis reply_code_window{0};
};

// The scenario's deployment file and rota file (the scenario's, else the
// deployment's [rota] file). Throws ScenarioError naming the file and what is
// wrong (also: a region the deployment does not have).
World load_world(const Scenario& scenario);

// The rota's horizon for a scenario: its warm-up, period and a month after.
rota::TimeRange rota_horizon(const Scenario& scenario);

// The same world with `n` generated casemanagers (icm-sim-01 …, the cap of
// the region's first casemanager) in place of the region's casemanagers, on a
// fair rota (fair_rota.hpp) with one group on call per `per_group` people;
// the team leads stay.
World with_casemanagers(const World& base, const Scenario& scenario, int n, int per_group = 6);

}  // namespace piket::planner
