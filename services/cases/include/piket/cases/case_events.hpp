#pragma once
// What casemanagers and team leads record on a case (POST
// /v1/cases/{id}/events), checked as a pure function of the case, the actor
// and the time. A refused event changes nothing; the refusal names the field
// at fault. Rules (docs/deadlines.md, "Recording events"):
//   - phase events move the case one phase on; skipping a phase needs a reason;
//     going back is refused (409);
//   - `at` (default: now) may not lie in the future, before the case opened or
//     before the current phase began;
//   - closing: one year after registration and with an evaluation recorded;
//     earlier only by a team lead, with a reason;
//   - reassignment: team leads only, to a casemanager of the case's region;
//   - first_contact and plan_of_action answer an incident (its clocks per
//     incident): the one named in `incident`, else the open one due first;
//     on a case past that phase they answer a later incident without moving
//     the phase (going out again, a revised plan);
//   - an evaluation counts for the six-month clock only within its window.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "piket/cases/case_state.hpp"
#include "piket/cases/engine.hpp"
#include "piket/cases/handover.hpp"
#include "piket/common/api_refusal.hpp"
#include "piket/common/config.hpp"
#include "piket/rota/directory.hpp"

namespace piket::cases {

enum class EventType {
  first_contact,
  intake,
  plan_of_action,
  help_started,
  handover,
  monitoring_contact,
  evaluation,
  closing,
  reassigned,
};
std::string_view to_string(EventType t);
std::optional<EventType> parse_event_type(std::string_view s);

// Who is calling, from their bearer token.
struct Actor {
  std::string person;
  rota::StaffRole role = rota::StaffRole::casemanager;
  std::vector<std::string> regions;
};

// The longest reason (a casemanager's note) an event takes, in characters.
// Longer is refused, never cut.
inline constexpr std::size_t kMaxEventReason = 2000;

struct EventRequest {
  EventRequest() = default;
  EventRequest(EventType t, common::Instant when, std::string why = {}, std::string to = {},
               std::string answers = {})
      : type(t),
        at(when),
        reason(std::move(why)),
        casemanager(std::move(to)),
        incident(std::move(answers)) {}

  EventType type = EventType::first_contact;
  common::Instant at;
  std::string reason;       // optional note; needed to skip a phase or close early
  std::string casemanager;  // reassigned: the new casemanager
  // first_contact / plan_of_action: the incident this answers (optional; by
  // default the incident whose clock of that kind is open and due first).
  std::string incident;
  // handover: who takes over, its conditions and the cadence after it (handover.hpp).
  HandoverFacts handover;
};

// Parses the body of POST /v1/cases/{id}/events. Unknown fields are refused
// (a typo must not pass silently).
std::variant<EventRequest, common::ApiRefusal> parse_event(std::string_view body,
                                                           common::Instant now);

// What recording an event writes.
struct Change {
  CaseState after;  // the case with the event applied (for the new timers)
  std::vector<std::pair<std::string, std::string>> fields;  // case hash fields to set
  struct IncidentField {
    std::string incident, field, value;
  };
  std::vector<IncidentField> incident_fields;  // incident hash fields to set (answers)
  std::string timeline_json;
  enum class Op { none, reassign, close } op = Op::none;
  std::string new_casemanager;
};

std::variant<Change, common::ApiRefusal> apply_event(const CaseState& state,
                                                     const EventRequest& event, const Actor& actor,
                                                     const EngineRules& rules, common::Instant now);

// Need to know is not decided here: both the case API and the web app call
// piket_access (access/include/piket/access/need_to_know.hpp) first.

}  // namespace piket::cases
