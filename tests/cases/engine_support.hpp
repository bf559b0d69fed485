#pragma once
// Driving the pure engine in tests the way the shell drives it: take the
// earliest due action, mark its key taken, evaluate again.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "piket/cases/case_events.hpp"
#include "piket/cases/engine.hpp"

namespace piket::cases::test {

struct Taken {
  std::string clock;
  std::string step;
  std::string to;
  common::Instant due;
  common::Instant at;
  bool escalation = false;
  std::string incident;
};

// What the casemanager does with reminder pages: acknowledge them (the
// default) or leave them unanswered.
enum class Reminders { answered, unanswered };

// Takes every action due at `now`, one at a time, oldest first. Like the
// shell, it watches each reminder that went to a casemanager
// (state.reminders): answered at once, or never.
inline std::vector<Taken> take_due(CaseState& s, const EngineRules& rules, common::Instant now,
                                   Reminders reminders = Reminders::answered) {
  std::vector<Taken> out;
  for (int guard = 0; guard < 10000; ++guard) {
    const auto ev = evaluate(s, rules, now);
    if (ev.actions.empty()) break;
    const auto& a = ev.actions.front();
    s.fired.insert(a.step.key);
    const auto* to = rules.staff.person(a.recipient);
    if (a.step.asks_ack && to && to->role == rota::StaffRole::casemanager)
      s.reminders[a.step.key] = {"P" + std::to_string(s.fired.size()), a.recipient,
                                 reminders == Reminders::answered};
    out.push_back({std::string(to_string(a.step.clock)), a.step.name, a.recipient, a.step.due, now,
                   a.step.escalation(), a.step.incident});
  }
  return out;
}

// Things that happen to a case at given times (events recorded, incidents).
using Happening = std::function<void(CaseState&, common::Instant)>;

// Runs a case from `from` to `until` with an engine that never sleeps past a
// wake-up: at every wake-up it takes what is due; happenings are applied at
// their time (after the actions due at that same instant).
inline std::vector<Taken> live(CaseState& s, const EngineRules& rules, common::Instant from,
                               common::Instant until,
                               std::multimap<common::Instant, Happening> happenings = {},
                               Reminders reminders = Reminders::answered) {
  std::vector<Taken> out;
  auto t = from;
  for (int guard = 0; guard < 100000; ++guard) {
    auto taken = take_due(s, rules, t, reminders);
    out.insert(out.end(), taken.begin(), taken.end());
    auto range = happenings.equal_range(t);
    for (auto it = range.first; it != range.second; ++it) it->second(s, t);
    happenings.erase(range.first, range.second);
    const auto ev = evaluate(s, rules, t);
    auto next = ev.next_wakeup;
    if (!happenings.empty() && (!next || happenings.begin()->first < *next))
      next = happenings.begin()->first;
    if (!next || *next > until) break;
    t = *next;
  }
  return out;
}

// A handover with its conditions confirmed (handover.hpp): synthetic receiver.
inline HandoverFacts confirmed_handover() {
  return {"Synthetic local team", "casusregisseur", true, true, std::nullopt};
}
// The same in an event body's fields (after a comma).
inline std::string confirmed_handover_json() {
  return R"("receiving_organisation":"Synthetic local team","receiving_role":"casusregisseur",)"
         R"("safety_reached":true,"help_plan_exists":true)";
}

// A happening that records an event through the pure rules; fails the test
// if it is refused.
inline Happening record(EventType type, const Actor& actor, const EngineRules& rules,
                        std::string reason = {}, std::string casemanager = {},
                        std::string incident = {}) {
  return [=, &rules](CaseState& s, common::Instant t) {
    EventRequest e{type, t, reason, casemanager, incident};
    if (type == EventType::handover) e.handover = confirmed_handover();
    auto r = apply_event(s, e, actor, rules, t);
    if (auto* refusal = std::get_if<common::ApiRefusal>(&r))
      throw std::runtime_error("event refused: " + refusal->code + " " + refusal->message);
    s = std::get<Change>(r).after;
  };
}

}  // namespace piket::cases::test
