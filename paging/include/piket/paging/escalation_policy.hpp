#pragma once
// The escalation policy of a region (docs/paging.md, "Escalation"): who is
// paged after whom while nobody acknowledges an incident.
//
//   steps   primary casemanager → backup casemanager → team lead, each with
//           the time it is given to acknowledge before the next step is paged;
//   repeat  how many more times the whole sequence runs after the last step;
//   forgotten  an acknowledged incident whose case has no first contact
//           recorded this long after the acknowledgement is paged again
//           (0: off), at most `forgotten_repages` times.
// A decline, or a page that could not be delivered on any channel, moves to
// the next step at once.
//
// The [escalation] section that sets these per region is dispatch's
// (piket/dispatch/dispatch_config.hpp); this is the paging vocabulary that the
// rota's selection shares. Paging alone escalates an unacknowledged page:
// a deployment without [escalation] runs builtin_policy().

#include <string>
#include <string_view>
#include <vector>

#include "piket/common/clock.hpp"

namespace piket::paging {

enum class EscalationTarget { primary, backup, team_lead };
std::string_view to_string(EscalationTarget t);

struct EscalationStep {
  EscalationTarget target = EscalationTarget::primary;
  common::Millis wait{std::chrono::minutes{5}};
};

// The member defaults are the example policy of docs/paging.md: what a
// given [escalation] section starts from for the keys it leaves out.
struct EscalationPolicy {
  std::vector<EscalationStep> steps{{EscalationTarget::primary, std::chrono::minutes{5}},
                                    {EscalationTarget::backup, std::chrono::minutes{5}},
                                    {EscalationTarget::team_lead, std::chrono::minutes{10}}};
  int repeat = 1;
  common::Millis forgotten{std::chrono::minutes{60}};
  int forgotten_repages = 2;
};

// The policy of a deployment without [escalation]: nobody acknowledges the
// primary's page within 15 minutes → the team lead is paged, once (no repeat,
// no re-page for a forgotten first contact: the deadline engine's
// first-contact clock covers that). The team lead's page is given 15 minutes
// before the escalation counts as exhausted. It keeps what the deadline
// engine's acknowledgement clock (ack_timeout_minutes = 15) did before
// paging owned acknowledgement.
EscalationPolicy builtin_policy();

// How long one run of `p` lasts: every step's wait, every round.
common::Millis run_length(const EscalationPolicy& p);

}  // namespace piket::paging
