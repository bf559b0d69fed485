#include "piket/paging/escalation_policy.hpp"

namespace piket::paging {

std::string_view to_string(EscalationTarget t) {
  switch (t) {
    case EscalationTarget::primary:
      return "primary";
    case EscalationTarget::backup:
      return "backup";
    case EscalationTarget::team_lead:
      return "team_lead";
  }
  return "primary";
}

EscalationPolicy builtin_policy() {
  EscalationPolicy p;
  p.steps = {{EscalationTarget::primary, std::chrono::minutes{15}},
             {EscalationTarget::team_lead, std::chrono::minutes{15}}};
  p.repeat = 0;
  p.forgotten = common::Millis{0};
  p.forgotten_repages = 0;
  return p;
}

common::Millis run_length(const EscalationPolicy& p) {
  common::Millis round{0};
  for (const auto& s : p.steps) round += s.wait;
  return round * (p.repeat + 1);
}

}  // namespace piket::paging
