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

common::Millis run_length(const EscalationPolicy& p) {
  common::Millis round{0};
  for (const auto& s : p.steps) round += s.wait;
  return round * (p.repeat + 1);
}

}  // namespace piket::paging
