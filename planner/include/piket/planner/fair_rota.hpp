#pragma once
// A fair rota for a team of a given size, for the planner's sweep. The team
// is dealt into `groups` (member i into group i mod groups); in each group
// every casemanager takes the primary layer one week in its size and the
// backup layer the week before (offset 1), so `groups` people are on call in
// each layer at once. Handoffs Monday 08:00 Amsterdam time; the team leads
// take the team-lead layer in turns of a week. Every person of a group gets
// the same share of nights and weekends over a whole number of cycles
// (rota::fairness measures it).

#include <date/date.h>

#include <string>
#include <vector>

#include "piket/rota/rota_definition.hpp"

namespace piket::planner {

// `start`: the Monday the first shift begins (any date: its week's Monday is used).
rota::RotaDefinition fair_rota(const std::string& region,
                               const std::vector<std::string>& casemanagers,
                               const std::vector<std::string>& team_leads,
                               date::year_month_day start, int groups = 1);

// How many groups a sweep gives a team of `n`: one per `per_group` people
// (Venlo: six casemanagers for one on call at a time), at least one — so each
// person's share of on-call time stays as it is with `per_group`.
int groups_for(int n, int per_group);

}  // namespace piket::planner
