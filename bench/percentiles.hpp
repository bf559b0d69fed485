#pragma once
// Percentiles of one run's samples, for the benchmarks' printed figures.
// Nearest rank: pN is the smallest sample that at least N % of the samples do not exceed
// (of 100 samples 1…100, p99 is 99 and max 100).

#include <algorithm>
#include <cstddef>
#include <vector>

namespace piket::bench {

struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
  std::size_t n = 0;
};

inline Percentiles percentiles(std::vector<double> v) {
  Percentiles p;
  p.n = v.size();
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  // Per mille, in integers: 0.99 * 100 is not 99 in floating point.
  auto at = [&v](std::size_t per_mille) {
    const std::size_t rank = (per_mille * v.size() + 999) / 1000;  // ceil
    return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
  };
  p.p50 = at(500);
  p.p90 = at(900);
  p.p99 = at(990);
  p.max = v.back();
  return p;
}

}  // namespace piket::bench
