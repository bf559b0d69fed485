#pragma once
// What training mode needs of a running deployment on a simulated clock
// (docs/planning.md, "Training mode"): the partner's POST /v1/incidents, the
// admin's POST /v1/admin/clock, and a casemanager's pages, answers and case
// events as the casemanager app does them. web_training_stack.hpp speaks
// HTTP to the real stack; tests may put a fake in its place.

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "piket/common/clock.hpp"

namespace piket::planner {

// The stack refused or could not be reached; the message names the call and
// the status, never person data.
class TrainingError : public std::runtime_error {
 public:
  explicit TrainingError(const std::string& what) : std::runtime_error(what) {}
};

// A page waiting for the casemanager's answer (the app's "Mijn oproepen").
struct PendingPage {
  std::string id;
  std::string case_id;
  common::Instant created_at;
  // Why it was sent: the escalation's selection ("primary", "backup", …) or
  // a deadline step ("deadline:<clock>:<step>").
  std::string rule;
  bool deadline_step() const { return rule.rfind("deadline:", 0) == 0; }
};

// What the stack said to an answer or an event: done, or refused with the
// answer's error code (e.g. taken_by_other, not_your_case).
struct Outcome {
  bool done = false;
  std::string refusal;
};

// What the casemanager app shows a casemanager: the pages waiting for an
// answer and the cases that are theirs.
struct AppView {
  std::vector<PendingPage> pages;
  std::vector<std::string> cases;
};

struct PostedIncident {
  std::string incident_id;
  std::string case_id;
};

class TrainingStack {
 public:
  virtual ~TrainingStack() = default;
  // The deployment's clock now, and moved forward to `t` (never back).
  virtual common::Instant now() = 0;
  virtual common::Instant advance_to(common::Instant t) = 0;
  // The partner posts an incident (a contract body); 201 or 200 (the same
  // body again) give the ids.
  virtual PostedIncident post(const std::string& body) = 0;
  // The pages waiting for `person`'s answer and the cases that are theirs.
  virtual AppView view(const std::string& person) = 0;
  // `person` acknowledges the page: done when it is theirs now, refused when
  // it can no longer be taken (a colleague took the incident, declined).
  virtual Outcome acknowledge(const std::string& person, const std::string& page) = 0;
  // `person` records an event (first_contact, intake, plan_of_action) on the
  // case at `at`, answering `incident` (empty: none named); refused when the
  // case does not take it (not theirs, the clock already answered), or
  // "in_the_future" while the deployment has not yet followed the clock.
  virtual Outcome record(const std::string& person, const std::string& case_id,
                         const std::string& type, common::Instant at,
                         const std::string& incident) = 0;
};

}  // namespace piket::planner
