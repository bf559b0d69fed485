#pragma once
// cases:monitoring — the open cases in the monitoring part of their year
// (phase handover or monitoring). piket-cases keeps it in the same scripts
// that change a case's phase or state (record, join, split), so that a
// person's weighted caseload ([caseload] monitoring_weight) is two commands,
// SCARD and SINTERCARD with caseload:{person}, instead of a read of every case
// (dispatch's RedisCaseload). docs/data-model.md.

#include <string>

namespace piket::cases {

// Lua: defines piket_monitoring_refresh(case_id), which puts the case in or
// takes it out of cases:monitoring from its state and phase.
std::string monitoring_refresh_lua();

}  // namespace piket::cases
