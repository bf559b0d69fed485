#include "piket/planner/arrivals.hpp"

#include <algorithm>
#include <numeric>

#include "piket/rota/wall_clock.hpp"

namespace piket::planner {
namespace {

template <std::size_t N>
double mean(const std::array<double, N>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(N);
}

}  // namespace

double profile_weight(const Arrivals& a, common::Instant t) {
  const auto local = rota::to_local(t);
  const auto day = date::floor<date::days>(local);
  const auto hour = date::floor<std::chrono::hours>(local - day).count();
  const auto weekday = date::weekday{day}.iso_encoding() - 1;  // Monday 0
  return a.hour_profile[static_cast<std::size_t>(hour)] * a.day_profile[weekday] /
         (mean(a.hour_profile) * mean(a.day_profile));
}

std::vector<FixedArrival> arrivals(const Arrivals& a, common::Instant from, common::Instant to,
                                   std::mt19937_64& rng) {
  std::vector<FixedArrival> out;
  if (!a.fixed.empty()) {
    for (const auto& f : a.fixed)
      if (from <= f.at && f.at < to) out.push_back(f);
    return out;
  }
  const double peak = *std::max_element(a.hour_profile.begin(), a.hour_profile.end()) *
                      *std::max_element(a.day_profile.begin(), a.day_profile.end()) /
                      (mean(a.hour_profile) * mean(a.day_profile));
  constexpr double kWeekMs = 7.0 * 24 * 3600 * 1000;
  for (const auto& s : a.streams) {
    // A homogeneous stream at the peak rate, each arrival kept with
    // probability weight / peak: a Poisson stream with the profile's shape.
    std::exponential_distribution<double> gap(s.per_week * peak / kWeekMs);
    std::uniform_real_distribution<double> keep(0.0, 1.0);
    double t = static_cast<double>(common::to_epoch_ms(from));
    const double end = static_cast<double>(common::to_epoch_ms(to));
    while (true) {
      t += gap(rng);
      if (t >= end) break;
      const auto at = common::from_epoch_ms(static_cast<std::int64_t>(t));
      if (keep(rng) * peak < profile_weight(a, at)) out.push_back({at, s.kind});
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const FixedArrival& x, const FixedArrival& y) { return x.at < y.at; });
  return out;
}

}  // namespace piket::planner
