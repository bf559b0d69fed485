#pragma once
// The text piket-bench prints: one run's figures, and piket beside its peer with the ratios.
// Pure functions of the figures (tested in tests/bench).

#include <string>

#include "memory.hpp"
#include "run.hpp"

namespace piket::bench {

// "rate …: posted, accepted, delivered, lost", the end-to-end line ("post->gateway ms p50 …"),
// the two halves, throughput and whether the harness kept its schedule.
std::string run_text(const RunResult& r);

// What the side-by-side table needs of one system.
struct SystemFigures {
  RunResult run;
  long rss_load_kib = -1;  // piket: its services summed; a peer: its process
  long rss_after_kib = -1;
  long apart_load_kib = -1;  // piket: Redis (not in the sum); -1: none
  long apart_after_kib = -1;
  double cpu_percent = -1;        // CPU over the run as % of one core (same processes as RSS)
  double apart_cpu_percent = -1;  // Redis's
};

// peer / piket to two decimals ("0.83"); "n/a" when piket's figure is 0 or either is unknown.
std::string ratio(double peer, double piket);

// The table: post->delivery p50/p99/max, throughput, lost, RSS under load and after, CPU, with
// the ratio peer / piket per line.
std::string side_by_side(const SystemFigures& piket, const SystemFigures& peer);

}  // namespace piket::bench
