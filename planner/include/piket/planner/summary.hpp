#pragma once
// The figures a team lead reads, from one simulated period (simulation.hpp).

#include "piket/planner/simulation.hpp"

namespace piket::planner {

struct Summary {
  int incidents = 0;
  int plans = 0;      // plan clocks due within the period
  int plans_met = 0;  // … met by their deadline (a plan not made by the end is missed)
  double plan_share = 0;
  int contacts = 0;    // first-contact clocks of the period with a contact
  int no_contact = 0;  // … still without one at the end
  double contact_p50_minutes = 0, contact_p90_minutes = 0;
  double pages_per_week = 0, team_lead_pages_per_week = 0, deadline_team_lead_per_week = 0;
  int max_pages_week = 0;
  int cap_passed = 0, team_lead_assigned = 0, exhausted = 0;
};

Summary summarize(const Result& r);

// Nearest-rank percentile (p in [0, 1]) of unsorted values; 0 when empty.
double percentile(std::vector<double> values, double p);

}  // namespace piket::planner
