#include "piket/common/escalation_policy.hpp"

namespace piket::common {

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

Millis run_length(const EscalationPolicy& p) {
  Millis round{0};
  for (const auto& s : p.steps) round += s.wait;
  return round * (p.repeat + 1);
}

}  // namespace piket::common
