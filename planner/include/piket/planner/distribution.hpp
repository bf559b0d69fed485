#pragma once
// A duration drawn at random: how long an answer, a drive, an intake or a
// plan takes in the planner's model of people (scenario.hpp). Explicit
// distributions over std::mt19937_64, so a seed gives the same run on every
// machine with the same standard library. Parsed by scenario.cpp.

#include <random>

#include "piket/common/clock.hpp"

namespace piket::planner {

struct Distribution {
  enum class Kind { fixed, uniform, exponential, lognormal };
  Kind kind = Kind::fixed;
  // Minutes. fixed: a; uniform: [a, b]; exponential: mean a;
  // lognormal: median a, 90th percentile b (b > a).
  double a = 0;
  double b = 0;

  static Distribution fixed(double minutes) { return {Kind::fixed, minutes, 0}; }
  static Distribution uniform(double lo, double hi) { return {Kind::uniform, lo, hi}; }
  static Distribution exponential(double mean) { return {Kind::exponential, mean, 0}; }

  // A value in the distribution's own unit (minutes, or days where the
  // scenario says so).
  double sample(std::mt19937_64& rng) const;
  // A value read as minutes.
  common::Millis draw(std::mt19937_64& rng) const;
  double mean_minutes() const;
};

}  // namespace piket::planner
