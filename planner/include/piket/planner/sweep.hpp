#pragma once
// The sweep: the same scenario with 2…N casemanagers, each on a fair rota
// (fair_rota.hpp), each run with several seeds; the share of plans within
// their deadline with a 95% confidence interval over the seeds, and the
// smallest team that reaches the target.

#include <optional>
#include <vector>

#include "piket/planner/summary.hpp"

namespace piket::planner {

struct SweepRow {
  int casemanagers = 0;
  std::vector<double> shares;           // per seed
  double mean = 0, low = 0, high = 0;   // 95% interval of the mean (Student's t)
  double contact_p90_minutes = 0;       // mean over the seeds
  double team_lead_pages_per_week = 0;  // mean over the seeds
  double night_hours = 0;  // on call at night per casemanager in the period (the rota's)
};

struct Sweep {
  double target = 0.95;
  std::vector<SweepRow> rows;
  // The smallest team whose mean share reaches the target, and the smallest
  // whose whole interval does.
  std::optional<int> answer, confident_answer;
};

// Seeds scenario.seed, scenario.seed + 1, …; the rota of each team size has
// one group on call per `per_group` casemanagers (fair_rota.hpp).
Sweep sweep(const Scenario& scenario, const World& base, int from, int to, int seeds,
            double target = 0.95, int per_group = 6);

// (mean, half-width) of the 95% interval of the mean of `v`.
std::pair<double, double> mean_interval(const std::vector<double>& v);

}  // namespace piket::planner
