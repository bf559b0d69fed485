#include "piket/planner/distribution.hpp"

#include <cmath>

namespace piket::planner {
namespace {

// z of the 90th percentile of the standard normal distribution.
constexpr double kZ90 = 1.2815515655446004;

common::Millis minutes(double m) {
  return common::Millis{static_cast<common::Millis::rep>(std::llround(m * 60'000.0))};
}

}  // namespace

double Distribution::sample(std::mt19937_64& rng) const {
  switch (kind) {
    case Kind::fixed:
      return a;
    case Kind::uniform:
      return std::uniform_real_distribution<double>(a, b)(rng);
    case Kind::exponential:
      return a <= 0 ? 0.0 : std::exponential_distribution<double>(1.0 / a)(rng);
    case Kind::lognormal: {
      const double mu = std::log(a);
      const double sigma = (std::log(b) - mu) / kZ90;
      return std::lognormal_distribution<double>(mu, sigma)(rng);
    }
  }
  return 0;
}

common::Millis Distribution::draw(std::mt19937_64& rng) const {
  return minutes(sample(rng));
}

double Distribution::mean_minutes() const {
  switch (kind) {
    case Kind::fixed:
    case Kind::exponential:
      return a;
    case Kind::uniform:
      return (a + b) / 2;
    case Kind::lognormal: {
      const double sigma = (std::log(b) - std::log(a)) / kZ90;
      return a * std::exp(sigma * sigma / 2);
    }
  }
  return 0;
}

}  // namespace piket::planner
