#pragma once
// Training mode's plan (docs/planning.md, "Training mode"): which incidents
// the simulated partner posts, when, for which synthetic household, and how
// the simulated casemanagers answer each page and how long their work takes.
// A pure function of the scenario, the seed and the training's end: the
// arrivals are the ones `piket-plan run` draws with the same seed (the same
// stream over the same period, warm-up included, then cut to the training's
// window), and so are each incident's travel, intake, visit and plan times.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "piket/planner/scenario.hpp"

namespace piket::planner {

struct TrainingIncident {
  common::Instant at;  // when the partner posts it (scenario time)
  common::IncidentKind kind = common::IncidentKind::home_ban;
  // Stems of the partner's reference ("TRN-<seed>-<n>") and of the synthetic
  // household key ("hh-trn-<seed>-<n>"); incident_body() adds the run's tag.
  std::string reference;
  std::string household;
  bool opens_case = false;  // a new household (else one posted before)
  // The casemanagers' answers to this incident's pages in the order they
  // come (the first page, the next one after the escalation moved on, …):
  // acknowledge after this long, or no answer (nullopt: ill, by the model's
  // sick_share). Pages past the last entry are not answered; a team lead's
  // page never is — the team lead is the person practising.
  std::vector<std::optional<common::Millis>> answers;
  common::Millis travel{0}, intake{0}, visit{0}, plan{0};
  // No casemanager answers any page: the escalation reaches the team lead.
  bool left_for_team_lead() const;
};

// Bounds of a training run.
inline constexpr std::size_t kMaxTrainingIncidents = 2000;
inline constexpr int kTrainingPagesAnswered = 4;  // answers drawn per incident
inline constexpr auto kMaxTrainingSpan = std::chrono::days{31};

// The incidents of [scenario.start, until), in time order. `until` is cut to
// the scenario's end and to kMaxTrainingSpan after its start. Throws
// ScenarioError when more than kMaxTrainingIncidents would be posted.
std::vector<TrainingIncident> training_schedule(const Scenario& scenario, std::uint64_t seed,
                                                common::Instant until);

// The partner's POST /v1/incidents body for `incident` posted at `at`
// (contract/partner-api.md): reference and household with "-<run_tag>"
// appended (one run's incidents are idempotent when posted again; another
// run's households are new), synthetic persons without names or numbers, a
// summary that says it is an exercise, a ten-day home ban from just before
// `at` for the kinds that need one.
std::string incident_body(const TrainingIncident& incident, const std::string& region,
                          common::Instant at, const std::string& run_tag);

}  // namespace piket::planner
