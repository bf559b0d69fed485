#include "piket/planner/sweep.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

namespace piket::planner {
namespace {

// Student's t, two-sided 95%, for 1…30 degrees of freedom.
constexpr std::array<double, 30> kT975{12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                       2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                       2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                       2.060,  2.056, 2.052, 2.048, 2.045, 2.042};

}  // namespace

std::pair<double, double> mean_interval(const std::vector<double>& v) {
  if (v.empty()) return {0, 0};
  const double n = static_cast<double>(v.size());
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / n;
  if (v.size() < 2) return {mean, 0};
  double ss = 0;
  for (const double x : v) ss += (x - mean) * (x - mean);
  const double sd = std::sqrt(ss / (n - 1));
  const auto df = v.size() - 1;
  const double t = df <= kT975.size() ? kT975[df - 1] : 1.960;
  return {mean, t * sd / std::sqrt(n)};
}

Sweep sweep(const Scenario& scenario, const World& base, int from, int to, int seeds, double target,
            int per_group) {
  Sweep out;
  out.target = target;
  for (int n = from; n <= to; ++n) {
    const World w = with_casemanagers(base, scenario, n, per_group);
    SweepRow row;
    row.casemanagers = n;
    for (int k = 0; k < seeds; ++k) {
      const auto r = simulate(scenario, w, scenario.seed + static_cast<std::uint64_t>(k));
      const auto s = summarize(r);
      if (k == 0)  // the rota's, the same for every seed
        for (const auto& p : r.people)
          if (!p.team_lead) row.night_hours += p.night_hours / r.casemanagers;
      row.shares.push_back(s.plan_share);
      row.contact_p90_minutes += s.contact_p90_minutes / seeds;
      row.team_lead_pages_per_week += s.team_lead_pages_per_week / seeds;
    }
    const auto [mean, half] = mean_interval(row.shares);
    row.mean = mean;
    row.low = std::max(0.0, mean - half);  // a share stays a share
    row.high = std::min(1.0, mean + half);
    if (!out.answer && row.mean >= target) out.answer = n;
    if (!out.confident_answer && row.low >= target) out.confident_answer = n;
    out.rows.push_back(std::move(row));
  }
  return out;
}

}  // namespace piket::planner
