// piket-rota-bench: who-is-on-call and timelines for a 50-person rota with five
// years of rotations and 1,000 overrides.
//
//   build-rota/bench/piket-rota-bench --benchmark_repetitions=10
//       --benchmark_report_aggregates_only=true       (one command line)
//
// The rota: 5 regions x (8 casemanagers + 2 team leads) = 50 people. Per
// region: primary = 12-hour shifts (08:00/20:00) over four casemanagers plus a
// weekend rotation (Fri 18:00 - Mon 08:00) over the other four; backup = day
// shifts over all eight; team_lead = weekly over the two leads. Rotations run
// from Monday 5 January 2026; the horizon is five years. 1,000 random (seeded)
// overrides of every kind, 1 hour to 14 days long.

#include <benchmark/benchmark.h>

#include <random>

#include "piket/rota/rota.hpp"
#include "piket/rota/wall_clock.hpp"

namespace {

using namespace piket::rota;
using piket::common::Instant;
using namespace std::chrono_literals;

const TimeRange kHorizon{*parse_time("2026-01-05T00:00:00Z"), *parse_time("2031-01-05T00:00:00Z")};
constexpr int kRegions = 5;
const std::vector<std::string> kLayers{"primary", "backup", "team_lead"};

std::string region_id(int r) {
  return "region-" + std::to_string(r);
}
std::string person_id(int r, int i) {
  return "p" + std::to_string(r) + "-" + std::to_string(i);
}

Rotation make(std::vector<std::string> members, ShiftLength shift) {
  Rotation rot;
  rot.name = "r";
  rot.members = std::move(members);
  rot.shift = std::move(shift);
  rot.handoff = 8h;
  rot.start = date::year{2026} / 1 / 5;
  return rot;
}

RotaDefinition definition() {
  RotaDefinition def;
  std::mt19937 gen(50);
  for (int r = 0; r < kRegions; ++r) {
    std::vector<std::string> cm, leads;
    for (int i = 0; i < 8; ++i) cm.push_back(person_id(r, i));
    for (int i = 8; i < 10; ++i) leads.push_back(person_id(r, i));
    auto days = make({cm.begin(), cm.begin() + 4}, ShiftLength::hours(12));
    auto weekend = make({cm.begin() + 4, cm.end()}, ShiftLength::weeks(1));
    weekend.restrictions.push_back(WeeklyWindow{std::chrono::hours{4 * 24 + 18}, 8h});
    auto backup = make(cm, ShiftLength::days(1));
    backup.offset = 3;
    def.regions.push_back(RegionDefinition{
        region_id(r),
        {LayerDefinition{"primary", {days, weekend}}, LayerDefinition{"backup", {backup}},
         LayerDefinition{"team_lead", {make(leads, ShiftLength::weeks(1))}}}});
  }
  const auto span_min = std::chrono::duration_cast<std::chrono::minutes>(kHorizon.length()).count();
  for (int i = 0; i < 1000; ++i) {
    const int r = std::uniform_int_distribution<int>(0, kRegions - 1)(gen);
    Override o;
    o.id = "o" + std::to_string(i);
    o.region = region_id(r);
    o.layer = kLayers[static_cast<std::size_t>(std::uniform_int_distribution<int>(0, 2)(gen))];
    o.kind = static_cast<OverrideKind>(std::uniform_int_distribution<int>(0, 2)(gen));
    o.person = person_id(r, std::uniform_int_distribution<int>(0, 9)(gen));
    o.replaces = person_id(r, std::uniform_int_distribution<int>(0, 9)(gen));
    const Instant start = kHorizon.start + std::chrono::minutes{std::uniform_int_distribution<long>(
                                               0, span_min)(gen)};
    o.window = TimeRange{start, start + std::chrono::minutes{std::uniform_int_distribution<int>(
                                            60, 14 * 24 * 60)(gen)}};
    def.overrides.push_back(std::move(o));
  }
  return def;
}

const Rota& rota() {
  static const Rota r(definition(), {}, kHorizon);
  return r;
}

struct Query {
  std::string region;
  std::string layer;
  Instant at;
};

std::vector<Query> queries() {
  std::mt19937 gen(7);
  const auto span_ms = kHorizon.length().count();
  std::vector<Query> out;
  for (int i = 0; i < 4096; ++i)
    out.push_back(
        Query{region_id(std::uniform_int_distribution<int>(0, kRegions - 1)(gen)),
              kLayers[static_cast<std::size_t>(std::uniform_int_distribution<int>(0, 2)(gen))],
              kHorizon.start +
                  piket::common::Millis{std::uniform_int_distribution<long>(0, span_ms - 1)(gen)}});
  return out;
}

// who_is_on_call at random instants of the five years, random region and layer.
void BM_WhoIsOnCall(benchmark::State& state) {
  const Rota& r = rota();
  const auto qs = queries();
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& q = qs[i++ & 4095];
    benchmark::DoNotOptimize(who_is_on_call(r, q.layer, q.region, q.at));
  }
}
BENCHMARK(BM_WhoIsOnCall);

// A year's timeline of the busiest layer (primary: 12-hour shifts plus
// weekends, with overrides) — sliced from the precomputed horizon.
void BM_TimelineYear(benchmark::State& state) {
  const Rota& r = rota();
  const TimeRange year{*parse_time("2027-01-01"), *parse_time("2028-01-01")};
  std::size_t segments = 0;
  for (auto _ : state) {
    auto t = timeline(r, "primary", "region-0", year);
    segments = t.size();
    benchmark::DoNotOptimize(t);
  }
  state.counters["segments"] = static_cast<double>(segments);
}
BENCHMARK(BM_TimelineYear)->Unit(benchmark::kMicrosecond);

// The same year computed from the definition (what queries outside the
// horizon cost, and what building the horizon costs per layer-year).
void BM_TimelineYearFromDefinition(benchmark::State& state) {
  static const Rota direct(definition(), {}, TimeRange{});
  const TimeRange year{*parse_time("2027-01-01"), *parse_time("2028-01-01")};
  for (auto _ : state) benchmark::DoNotOptimize(timeline(direct, "primary", "region-0", year));
}
BENCHMARK(BM_TimelineYearFromDefinition)->Unit(benchmark::kMillisecond);

// Building the whole rota: 15 layers x 5 years, 1,000 overrides.
void BM_BuildFiveYears(benchmark::State& state) {
  const auto def = definition();
  for (auto _ : state) {
    Rota r(def, {}, kHorizon);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_BuildFiveYears)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
