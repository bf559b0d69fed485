#pragma once
// The JSON a reader of a case gets (GET /v1/cases/{id}): the time it was
// computed for (`as_of`, the deployment's clock), phase, casemanager,
// incidents, every clock with its deadline, state and next step, and what is
// overdue. Times are RFC 3339 in UTC. No person data: the case hash holds
// none, and incident bodies are not shown.

#include <string>

#include "piket/cases/case_state.hpp"
#include "piket/cases/engine.hpp"

namespace piket::cases {

std::string case_json(const CaseState& state, const Evaluation& evaluation,
                      const EngineRules& rules, common::Instant now);

}  // namespace piket::cases
