#include "piket/planner/deadline_walk.hpp"

#include <algorithm>

namespace piket::planner {
namespace {

bool ours(const cases::ClockView& c, const std::string& incident) {
  return c.incident == incident &&
         (c.clock == cases::ClockKind::first_contact || c.clock == cases::ClockKind::plan);
}

}  // namespace

ClockOutcome walk_incident_clocks(cases::CaseState state, const cases::EngineRules& rules,
                                  const std::string& incident,
                                  std::optional<common::Instant> contact_at,
                                  std::optional<common::Instant> plan_at, common::Instant until) {
  ClockOutcome out;
  auto& inc = state.incidents.back();
  const bool opening = state.incidents.size() == 1;
  for (const auto& ic : cases::incident_clocks(state, rules)) {
    if (ic.incident != incident) continue;
    (ic.clock == cases::ClockKind::plan ? out.plan_due : out.contact_due) = ic.due;
  }
  common::Instant now = inc.accepted_at;
  // Bounded: two clocks of a few steps each, and the facts.
  for (int guard = 0; guard < 128 && now <= until; ++guard) {
    // A fact recorded when its time has come: on the incident, and on the
    // case too for the incident that opened it (with the phase it starts).
    auto record = [&](std::optional<common::Instant> at,
                      std::optional<common::Instant>& on_incident,
                      std::optional<common::Instant>& on_case, cases::Phase phase) {
      if (!at || *at > now || on_incident) return;
      on_incident = at;
      if (opening) {
        on_case = at;
        state.phase = phase;
        state.phase_at = *at;
      }
      state.last_activity_at = *at;
    };
    record(contact_at, inc.contact_at, state.first_contact_at, cases::Phase::intake);
    record(plan_at, inc.plan_at, state.plan_at, cases::Phase::plan_of_action);
    const auto ev = cases::evaluate(state, rules, now);
    for (const auto& a : ev.actions) {
      state.fired.insert(a.step.key);
      if (a.step.incident != incident || (a.step.clock != cases::ClockKind::first_contact &&
                                          a.step.clock != cases::ClockKind::plan))
        continue;
      if (a.step.role == cases::Role::team_lead)
        out.team_lead_steps.push_back(a.step.due);
      else
        ++out.casemanager_steps;
    }
    // Taken steps are in `fired` now: look again at the same moment for
    // what comes next (the evaluation still shows them as next).
    if (!ev.actions.empty()) continue;
    const bool running = std::any_of(ev.clocks.begin(), ev.clocks.end(), [&](const auto& c) {
      return ours(c, incident) &&
             (c.state == cases::ClockState::running || c.state == cases::ClockState::overdue);
    });
    if (!running) break;
    // The next moment anything changes for these clocks.
    std::optional<common::Instant> next;
    auto consider = [&](std::optional<common::Instant> t) {
      if (t && *t > now && (!next || *t < *next)) next = t;
    };
    for (const auto& c : ev.clocks)
      if (ours(c, incident) && c.next) consider(c.next->due);
    if (!inc.contact_at) consider(contact_at);
    if (!inc.plan_at) consider(plan_at);
    if (!next) break;
    now = *next;
  }
  return out;
}

}  // namespace piket::planner
