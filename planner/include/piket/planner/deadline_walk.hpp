#pragma once
// One incident's first-contact and plan clocks run through the real deadline
// engine (cases::evaluate) in simulated time, as the deadline shell would:
// from the incident's acceptance, waking at every timer and at every fact
// (first contact, plan) as it happens, taking each due step once. The
// simulation knows the facts ahead (a casemanager's work is drawn when it is
// assigned), so the walk runs when they are known.

#include <optional>
#include <string>
#include <vector>

#include "piket/cases/engine.hpp"

namespace piket::planner {

struct ClockOutcome {
  std::optional<common::Instant> contact_due;  // the incident's first-contact deadline
  std::optional<common::Instant> plan_due;     // its plan deadline (none: no plan clock)
  // When the engine paged the team lead for these clocks (escalations).
  std::vector<common::Instant> team_lead_steps;
  int casemanager_steps = 0;  // warnings and reminders to the casemanager
};

// `state` holds the case as it is when the incident is accepted, with the
// incident (`incident`) last among its incidents and no contact or plan
// recorded for it. The walk stops when both clocks are met or at `until`.
ClockOutcome walk_incident_clocks(cases::CaseState state, const cases::EngineRules& rules,
                                  const std::string& incident,
                                  std::optional<common::Instant> contact_at,
                                  std::optional<common::Instant> plan_at, common::Instant until);

}  // namespace piket::planner
