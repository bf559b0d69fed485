#pragma once
// The deadline engine: a pure function of a case's state and the time
// (STYLE.md: evaluate(state, now) → {actions, next wake-up}). No I/O, no
// clock: the shell (deadline_shell.hpp) loads the state, applies the first
// action, stores the timers and sleeps until the next one.
//
// Every clock is a list of steps — warnings and reminders to the casemanager,
// escalations to the team lead — each with a due time and an idempotency key
// "<case>|<clock>|<step>|<anchor>". The anchor names the instance of the
// clock (the time the case opened, the incident, the ban's end, the last
// activity), so a moved clock (ban extended, new activity) has new keys and
// a step that fired is never taken again: its key is in state.fired.
// Policies: docs/deadlines.md.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "piket/cases/case_state.hpp"
#include "piket/cases/cases_config.hpp"
#include "piket/cases/chain_config.hpp"
#include "piket/cases/staff.hpp"
#include "piket/paging/deadline_text.hpp"

namespace piket::cases {

// (An unacknowledged page is paging's: docs/paging.md "Escalation". A timer
// or taken key of the acknowledgement clock this engine had before is a
// stale timer to the shell and is dropped, docs/deadlines.md "Upgrading".)
enum class ClockKind {
  first_contact,
  plan,
  home_ban,  // extension decision before the end, and the end
  handover,
  checkin,  // stall detection: activity within the cadence
  evaluation,
  closing,
  reassignment,  // the casemanager is absent
  agreement,     // an open agreement past its due time (agreement.hpp)
  track,         // a track of the case not seen within the policy (track.hpp)
};
std::string_view to_string(ClockKind k);

enum class Role { casemanager, team_lead };
std::string_view to_string(Role r);

enum class ClockState {
  running,    // the deadline lies ahead
  overdue,    // the deadline has passed and the clock is not met
  met,        // what the clock waited for happened
  cancelled,  // no longer applies (ban lifted, case closed)
  ended,      // ran its course (the ban ended, monitoring ended)
};
std::string_view to_string(ClockState s);

struct Step {
  std::string key;  // idempotency key, also the timer's id
  ClockKind clock = ClockKind::plan;
  std::string name;  // "warn_8h", "escalate", …
  common::Instant due;
  Role role = Role::casemanager;
  // What the page says: which clock, how urgent, and the time it shows.
  paging::DeadlineClock text_clock = paging::DeadlineClock::plan;
  paging::DeadlineStage stage = paging::DeadlineStage::due;
  common::Instant text_at;
  std::string incident;  // the incident the clock belongs to; empty for case clocks
  // A reminder to the casemanager that asks for an acknowledgement: its page
  // is watched, and one not acknowledged in time goes to the team lead.
  bool asks_ack = false;

  bool escalation() const {
    return stage == paging::DeadlineStage::escalation || stage == paging::DeadlineStage::unanswered;
  }
};

// A step that is due and has not been taken.
struct Action {
  Step step;
  std::string recipient;   // person id; empty when nobody can be paged (no team lead)
  common::Millis late{0};  // how long after its due time it is taken
};

struct ClockView {
  ClockKind clock = ClockKind::plan;
  std::string incident;
  std::string agreement;  // the agreement an agreement clock watches
  std::string track;      // the track a track clock watches (its role: "perpetrator")
  common::Instant due;    // the clock's deadline
  ClockState state = ClockState::running;
  std::optional<common::Instant> met_at;
  std::optional<Step> next;        // the next step not taken
  std::vector<std::string> taken;  // names of the steps already taken
};

struct Evaluation {
  std::vector<Action> actions;  // due and not taken, oldest first
  // The next step not taken of every running clock (due or not): what the
  // shell keeps as durable timers.
  std::vector<Step> timers;
  std::vector<ClockView> clocks;
  std::optional<common::Instant> next_wakeup;  // earliest timer after now
  // Watched reminders (state.reminders) that can no longer lead anywhere —
  // acknowledged, their follow-up taken or moot, their clock over: the shell
  // forgets them with its next write, so the watch list stays short.
  std::vector<std::string> stale_reminders;
  std::vector<ClockKind> overdue() const;
};

struct EngineRules {
  const DeadlinesConfig& deadlines;
  const StaffDirectory& staff;
  // How long a page's reply code stays valid (config::Config::reply_code_window).
  common::Millis reply_code_window;
  // The chain partners and agreement categories (config::Config::chain); none
  // when null: then only the family and the casemanager make agreements.
  const ChainConfig* chain = nullptr;
};

Evaluation evaluate(const CaseState& state, const EngineRules& rules, common::Instant now);

// Clocks per incident (docs/deadlines.md): the incident that opens a case
// starts first contact and plan; a later one the clocks its kind's policy
// names (DeadlinePolicy::incident_clocks, else default_incident_clocks).
cases::IncidentClocks default_incident_clocks(common::IncidentKind kind);

// One first-contact or plan clock of one incident, as the case events see it
// (which incident an event answers by default: the open one due first).
struct IncidentClock {
  std::string incident;
  ClockKind clock = ClockKind::first_contact;  // first_contact or plan
  common::Instant due;
  bool met = false;
  bool opening = false;  // of the incident that opened the case
};
std::vector<IncidentClock> incident_clocks(const CaseState& state, const EngineRules& rules);

// The first start of the ban in force and whether it has reached the legal
// maximum of 28 days from that start (then no extension decision is asked).
// Computed from the incidents' ban_starts_at/ban_ends_at: the latest
// home_ban / home_ban_extended with an end, back to the home_ban that began it.
struct BanInForce {
  std::string incident;  // the incident whose end is in force
  common::Instant first_start;
  common::Instant ends_at;
  bool lifted = false;
  bool at_maximum = false;
};
std::optional<BanInForce> ban_in_force(const CaseState& state);

// Who a step goes to now: the casemanager (the team lead while the case has
// none, or while they are absent), or the region's team lead.
std::string recipient_of(const CaseState& state, const EngineRules& rules, Role role,
                         common::Instant now);

// The case id a timer member belongs to ("C12345678|plan|…" → "C12345678").
std::string_view case_of_timer(std::string_view member);

}  // namespace piket::cases
