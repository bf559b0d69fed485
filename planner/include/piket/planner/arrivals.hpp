#pragma once
// The incidents of a scenario in time order: the CSV's, or drawn from the
// per-kind Poisson streams shaped by the hour-of-day and day-of-week
// profiles (Amsterdam wall clock), by thinning.

#include <random>
#include <vector>

#include "piket/planner/scenario.hpp"

namespace piket::planner {

// Arrivals in [from, to), sorted by time (ties: kind order of the streams).
std::vector<FixedArrival> arrivals(const Arrivals& a, common::Instant from, common::Instant to,
                                   std::mt19937_64& rng);

// The profile weight at `t` relative to the week's mean (1.0 for flat profiles).
double profile_weight(const Arrivals& a, common::Instant t);

}  // namespace piket::planner
