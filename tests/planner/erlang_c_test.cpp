// The simulation against a queueing model it must reproduce: Poisson
// arrivals, exponential intakes, c casemanagers all on call, nobody ill,
// answers at once and no travel — an M/M/c queue served first come, first
// served (the team lead hands an incident nobody free can take to whoever is
// free soonest). Erlang C gives the share waiting longer than t:
//   P(W > t) = C(c, a) · exp(-(cμ - λ) t),  a = λ/μ,
// and the mean wait C(c, a) / (cμ - λ). Each of eight seeds runs three
// simulated years (from 6,000 incidents for c = 1 to 170,000 for c = 6 in
// all); the seeds' figures are independent batches, so their spread gives the
// standard error. The simulator must agree within three standard errors (and
// at least 0.01 on a share), and the standard error must be small — a share
// known to 0.012, the mean wait to 5% — so a noisy run cannot pass.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "piket/planner/simulation.hpp"
#include "piket/planner/sweep.hpp"
#include "planner_test_support.hpp"

namespace piket::planner {
namespace {

double erlang_c(int c, double a) {
  double sum = 0, term = 1;  // a^k / k!
  for (int k = 0; k < c; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  const double top = term * c / (c - a);  // a^c / c! · c / (c - a)
  return top / (sum + top);
}

struct Case {
  int c;
  double rho;
};

class ErlangCTest : public ::testing::TestWithParam<Case> {};

TEST_P(ErlangCTest, WaitsMatchTheFormula) {
  const auto [c, rho] = GetParam();
  const double mean_minutes = 360;       // an intake of six hours on average
  const double mu = 1.0 / mean_minutes;  // per minute
  const double lambda = rho * c * mu;
  const double per_week = lambda * 7 * 24 * 60;
  auto s = test::queue_scenario(per_week, mean_minutes, 3 * 365);
  const auto w = test::all_on_call(c, 12, s);

  const std::vector<double> thresholds{0.0, 60.0, 180.0, 360.0};  // minutes
  std::vector<std::vector<double>> shares(thresholds.size());     // per threshold, per seed
  std::vector<double> means;
  std::size_t incidents = 0;
  for (std::uint64_t seed = 11; seed < 19; ++seed) {
    const auto r = simulate(s, w, seed);
    const auto last = s.end() - std::chrono::days{14};
    std::vector<double> waits;
    for (const auto& inc : r.incidents) {
      if (inc.accepted >= last) continue;
      ASSERT_TRUE(inc.first_contact.has_value());
      waits.push_back(static_cast<double>((*inc.first_contact - inc.accepted).count()) / 60'000.0);
    }
    incidents += waits.size();
    for (std::size_t k = 0; k < thresholds.size(); ++k) {
      double over = 0;
      for (const double x : waits) over += x > thresholds[k] ? 1 : 0;
      shares[k].push_back(over / static_cast<double>(waits.size()));
    }
    double mean = 0;
    for (const double x : waits) mean += x / static_cast<double>(waits.size());
    means.push_back(mean);
  }
  ASSERT_GT(incidents, 5000u);
  const double a = lambda / mu;
  const double C = erlang_c(c, a);
  for (std::size_t k = 0; k < thresholds.size(); ++k) {
    const auto [simulated, half] = mean_interval(shares[k]);  // half: t(7) x standard error
    const double se = half / 2.365;
    const double expected = C * std::exp(-(c * mu - lambda) * thresholds[k]);
    EXPECT_LE(se, 0.012) << "t=" << thresholds[k];
    EXPECT_NEAR(simulated, expected, std::max(0.01, 3 * se))
        << "c=" << c << " rho=" << rho << " t=" << thresholds[k] << " min";
  }
  const auto [mean, half] = mean_interval(means);
  const double expected_mean = C / (c * mu - lambda);
  const double se = half / 2.365 / expected_mean;
  EXPECT_LE(se, 0.05);
  EXPECT_NEAR(mean / expected_mean, 1.0, 3 * se)
      << "mean wait " << mean << " min, Erlang C " << expected_mean;
}

INSTANTIATE_TEST_SUITE_P(Queues, ErlangCTest,
                         ::testing::Values(Case{1, 0.5}, Case{3, 0.7}, Case{6, 0.8}),
                         [](const auto& param_info) {
                           return "c" + std::to_string(param_info.param.c) + "_rho" +
                                  std::to_string(static_cast<int>(param_info.param.rho * 100));
                         });

// The formula itself, on a value from the literature (c = 2, a = 1: C = 1/3).
TEST(ErlangCFormulaTest, KnownValue) {
  EXPECT_NEAR(erlang_c(2, 1.0), 1.0 / 3.0, 1e-12);
}

}  // namespace
}  // namespace piket::planner
