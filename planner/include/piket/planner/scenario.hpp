#pragma once
// A planning scenario (docs/planning.md): which region and period, how many
// incidents of which kind arrive when, which deployment (its people and
// policies, read with the real parsers) and rota, and a model of the people.
// parse_scenario() checks every key with bounds and throws ScenarioError
// listing each problem as "file:line: key: what is wrong".

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "piket/common/clock.hpp"
#include "piket/common/records.hpp"
#include "piket/planner/distribution.hpp"

namespace piket::planner {

class ScenarioError : public std::runtime_error {
 public:
  explicit ScenarioError(const std::string& what) : std::runtime_error(what) {}
};

// Incidents of one kind: a Poisson stream of `per_week` on average, shaped
// by the hour-of-day and day-of-week profiles.
struct ArrivalStream {
  common::IncidentKind kind = common::IncidentKind::home_ban;
  double per_week = 0;
};

// One arrival of a CSV file: "2027-01-04T03:12:00+01:00,home_ban".
struct FixedArrival {
  common::Instant at;
  common::IncidentKind kind = common::IncidentKind::home_ban;
};

struct Arrivals {
  std::vector<ArrivalStream> streams;
  // Relative weights, Amsterdam wall clock: hour 0..23, Monday..Sunday.
  std::array<double, 24> hour_profile{};
  std::array<double, 7> day_profile{};
  // From [arrivals] csv: used instead of the streams when not empty.
  std::vector<FixedArrival> fixed;
};

// How people behave (every duration in minutes, docs/planning.md).
struct PeopleModel {
  Distribution acknowledge = Distribution::exponential(4);  // page → answer
  Distribution travel = Distribution::uniform(20, 45);      // answer → at the family
  Distribution intake = Distribution::uniform(300, 420);    // at the family, new case
  Distribution plan = Distribution::uniform(60, 150);       // writing the plan after it
  Distribution visit = Distribution::uniform(60, 120);      // a later incident's visit
  // Intensive phase of a case (days), then monitoring until closing.
  Distribution intensive_days = Distribution::uniform(90, 120);
  // Routine visits to a family (office hours 09–17 on weekdays) while its
  // case is intensive, per week, each `routine` long; 0: none.
  double visits_per_week = 0;
  Distribution routine = Distribution::uniform(60, 120);
  // Share of days a casemanager is off sick, in spells of this mean length.
  double sick_share = 0;
  double sick_spell_days = 5;
  // A casemanager who is at a family when paged: declines (true; the
  // escalation moves on at once) or does not answer (false).
  bool busy_declines = true;
};

struct Scenario {
  std::string file;  // for messages
  std::string region;
  common::Instant start;
  int days = 365;
  // Simulated before `start` so that caseloads are not empty at the start;
  // nothing in it is counted.
  int warmup_days = 0;
  std::uint64_t seed = 1;
  std::filesystem::path deployment;           // the deployment file (piket.toml)
  std::optional<std::filesystem::path> rota;  // else the deployment's [rota] file
  Arrivals arrivals;
  PeopleModel people;
  common::Instant sim_start() const { return start - std::chrono::days{warmup_days}; }
  common::Instant end() const { return start + std::chrono::days{days}; }
};

// Relative paths in the scenario are relative to `base` (its file's
// directory); a CSV of arrivals named by it is read from there.
Scenario parse_scenario(std::string_view text, const std::string& file_name,
                        const std::filesystem::path& base);
Scenario load_scenario(const std::filesystem::path& file);

// "2027-01-04T03:12:00+01:00,home_ban" lines ('#' comments, blank lines);
// throws ScenarioError naming the line.
std::vector<FixedArrival> parse_arrivals_csv(std::string_view text, const std::string& file_name);

}  // namespace piket::planner
