#pragma once
// What escalation does next for one incident, and to whom: a pure function
// of the incident's escalation state, the region's policy, who each step
// could page, what happened (a timer fell due, a page was declined, a page
// could not be delivered) and the time. The Escalator (escalator.hpp) reads
// the state from the store, answers decide()'s questions about candidates
// from the rota, and commits the decision atomically.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "piket/common/clock.hpp"
#include "piket/paging/escalation_policy.hpp"
#include "piket/rota/selection.hpp"

namespace piket::paging {

// Where in the policy the last page was sent: the round (0 = first pass,
// up to policy.repeat) and the step index within it.
struct EscalationPosition {
  int round = 0;
  int step = 0;
  friend bool operator==(const EscalationPosition&, const EscalationPosition&) = default;
};
// "round.step", as stored on the incident and in each page's step key.
std::string to_string(EscalationPosition p);
std::optional<EscalationPosition> parse_position(std::string_view s);

// The step after `at`; the next round after the last step; empty when the
// policy is exhausted.
std::optional<EscalationPosition> next_position(const EscalationPolicy& policy,
                                                EscalationPosition at);
// Where the incident's first page (chosen by dispatch's selection rule) sits:
// the first step whose target matches the rule, else step 0.
EscalationPosition initial_position(const EscalationPolicy& policy, rota::SelectionRule rule);
common::Millis wait_at(const EscalationPolicy& policy, EscalationPosition at);

enum class EscalationTrigger { timer, declined, undeliverable };
std::string_view to_string(EscalationTrigger t);

struct EscalationState {
  bool active = false;        // an escalation runs for this incident
  bool acknowledged = false;  // the incident is acknowledged
  EscalationPosition at;
  common::Instant due{};  // the running timer
  std::optional<common::Instant> acknowledged_at;
  std::optional<common::Instant> first_contact_at;  // recorded on the case
  int forgotten_repages = 0;                        // re-pages sent so far
};

// Who a step could page. decide() asks for each step it considers, in order;
// the shell answers from the rota (select_step for the step's target at
// `now`), leaving out whoever declined this incident and whoever was paged
// earlier in the same round, and only people the deployment still knows.
// Empty: nobody for this step, which decide() then skips.
struct Candidate {
  std::string person_id;
  rota::SelectionRule rule = rota::SelectionRule::on_call;
};
using Candidates = std::function<std::optional<Candidate>(EscalationTarget target, int round)>;

struct EscalationDecision {
  enum class Kind {
    stop,       // acknowledged and done (or nothing runs): drop the timer
    wait,       // nothing yet: the timer is (re)set to `until`
    page_next,  // page the step at `next`
    repage,     // acknowledged but no first contact: page the acknowledger again
    exhausted,  // every step and repeat was paged and nobody acknowledged
  };
  Kind kind = Kind::stop;
  EscalationPosition next;
  common::Instant until{};
  // page_next, repage: when the step taken was due. The next step's wait
  // counts from here, not from when it is taken, so after a clock jump (or
  // downtime) every step that fell due is taken at its due time, in order —
  // like the deadline engine.
  common::Instant step_due{};
  // page_next: who gets the page (the first step at or after the next one
  // that has a candidate).
  std::optional<Candidate> who{};
  // page_next, exhausted: the steps passed over because nobody could be paged.
  std::vector<EscalationPosition> skipped{};
};

// When the step after a page at `at` is due: the page's step was due at
// `step_due`, and the step waits its policy's time from then.
common::Instant next_due(const EscalationPolicy& policy, EscalationPosition at,
                         common::Instant step_due);

EscalationDecision decide(const EscalationState& state, const EscalationPolicy& policy,
                          const Candidates& candidates, EscalationTrigger trigger,
                          common::Instant now);

}  // namespace piket::paging
