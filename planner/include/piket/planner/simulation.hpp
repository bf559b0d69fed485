#pragma once
// The planner's discrete-event simulation: a scenario's incidents run through
// the real selection (rota::RotaSelector with the caseload cap), the real
// escalation decisions (paging::decide) and the real deadline engine
// (cases::evaluate, deadline_walk.hpp) in simulated time, in-process: no
// Redis, no services, no wall clock. People answer pages, drive, hold
// intakes, write plans and fall ill as the scenario's model draws
// (docs/planning.md, "The model"). The same world, scenario and seed give the
// same result, bit for bit.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "piket/planner/scenario.hpp"
#include "piket/planner/world.hpp"

namespace piket::planner {

struct IncidentOutcome {
  common::Instant accepted;
  common::IncidentKind kind = common::IncidentKind::home_ban;
  bool opens_case = false;
  std::optional<common::Instant> acknowledged, first_contact, plan;
  std::optional<common::Instant> contact_due, plan_due;  // from the deadline engine
  bool cap_passed = false;                               // every on-call primary was at their cap
  bool team_lead_assigned = false;                       // the team lead had to hand it out
};

// Counts per week of the period (week 0 starts at the scenario's start).
struct WeekCounts {
  int incidents = 0;
  int pages = 0;               // every page of the escalation, the first included
  int team_lead_pages = 0;     // … of them to a team lead
  int deadline_team_lead = 0;  // the deadline engine's escalations to the team lead
  int cap_passed = 0;          // incidents whose on-call primaries were all at their cap
  int exhausted = 0;           // escalations that ran out with nobody answering
};

struct PersonOutcome {
  std::string id;
  bool team_lead = false;
  int incidents_taken = 0;  // acknowledged or handed to them
  double on_call_hours = 0, night_hours = 0,
         weekend_hours = 0;  // primary and backup (rota::fairness)
  double sick_days = 0;
  std::vector<double> caseload;  // weighted, at the start of each week
};

struct Result {
  std::string region;
  common::Instant start;
  int days = 0;
  std::uint64_t seed = 0;
  int casemanagers = 0;
  std::vector<IncidentOutcome> incidents;  // accepted in the period, in order
  std::vector<WeekCounts> weeks;
  std::vector<PersonOutcome> people;  // by id
};

Result simulate(const Scenario& scenario, const World& world, std::uint64_t seed);

}  // namespace piket::planner
