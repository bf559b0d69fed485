#pragma once
// Training mode's player (docs/planning.md, "Training mode"): plays a
// training schedule (training_schedule.hpp) into a running deployment on a
// simulated clock. It moves the clock in steps at `speed` simulated seconds
// per real second, posts each incident as the partner when the clock reaches
// its time, and plays the casemanagers: each page that reaches one of them
// is acknowledged after the schedule's delay for that page (or left
// unanswered, so the escalation runs on to the team lead — the person
// practising), and whoever acknowledged records first contact, intake and
// plan at the schedule's durations. A case the team lead hands to one of
// them (reassigns it) sends them out for its incidents nobody went out for.
// It prints what it did, with ids and kinds only: no person data.

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "piket/i18n/catalog.hpp"
#include "piket/planner/training_schedule.hpp"
#include "piket/planner/training_stack.hpp"

namespace piket::planner {

struct TrainingOptions {
  std::string region;
  // The casemanagers the simulator plays (signed in to the app).
  std::vector<std::string> casemanagers;
  double speed = 60;            // simulated seconds per real second, kMinSpeed..kMaxSpeed
  common::Millis step{60'000};  // the longest move of the clock at once
  // Whether a later incident of this kind on an open case asks for a revised
  // plan (the deployment's [deadlines] incident_clocks).
  std::function<bool(common::IncidentKind)> plan_on_open_case;
  // What it prints (the catalogues' train.* texts; ids and kinds only, no person data).
  i18n::Language language = i18n::Language::nl;
};

inline constexpr double kMinSpeed = 1, kMaxSpeed = 3600;

struct TrainingSummary {
  int posted = 0;
  int acknowledged = 0;        // pages the simulated casemanagers acknowledged
  int left_unanswered = 0;     // casemanager pages they did not answer
  int left_for_team_lead = 0;  // incidents no simulated casemanager took (at the end)
  int handed_out = 0;          // incidents whose case the team lead gave to one of them
  int recorded = 0;            // first contact, intake and plan events recorded
  int not_recorded = 0;        // … refused (no longer theirs, already answered)
};

// How far the schedule moves so that it starts at or after the deployment's
// clock `now`: zero when `start` is not past, else whole weeks (the arrivals'
// hour-of-day and day-of-week shape stays where the scenario put it).
common::Millis training_shift(common::Instant start, common::Instant now);

// `sleep` waits real time (injected: tests and the CLI pass their own);
// `real` is the real clock it paces against. Runs until the deployment's
// clock reaches `until` (scenario time, shifted like the schedule).
TrainingSummary train(const std::vector<TrainingIncident>& schedule, common::Instant start,
                      common::Instant until, const TrainingOptions& options, TrainingStack& stack,
                      const common::Clock& real, const std::function<void(common::Millis)>& sleep,
                      std::ostream& out);

}  // namespace piket::planner
