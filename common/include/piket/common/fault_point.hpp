#pragma once
// Crash points for the fault campaign (tests/faults, docs/testing.md): a place
// in the code where a crash is most dangerous — after the gateway took an SMS
// and before its record, between an accepted incident and its wake-up, between
// an escalation step's script and its message, between the stages of a batch.
// Off unless the process starts with PIKET_FAULT_POINTS; then a named point
// kills the process (SIGKILL, as a power cut would) with the point's
// probability, after appending "<name> <pid>\n" to PIKET_FAULT_LOG (fsynced),
// so that the campaign can tell that every point was hit.
//
//   PIKET_FAULT_POINTS="notify.after_gateway_accept=0.05,ingest.after_accept=0.02"
//   PIKET_FAULT_SEED=42        (optional: the draws; mixed with the pid)
//   PIKET_FAULT_LOG=/path/faults.log
//
// The settings are read once, at the first point reached; an unset variable
// costs one branch per point. Thread-safe.

#include <string_view>

namespace piket::common {

void fault_point(std::string_view name);

// The settings parsed from the variables' values (for the unit test): the
// probability of `name`, 0 when it is not listed or the text is malformed.
double fault_probability(std::string_view points, std::string_view name);

}  // namespace piket::common
