#pragma once
// The handover to the local case director (issue 16): the handover event names
// who takes over — the receiving organisation and role, bounded, kept inside
// the case and never in a page — and is accepted only when direct safety is
// reached and a help plan exists (both confirmed in the event), or when a
// team lead overrides with a reason. After it the casemanager stays in the
// background with a check-in cadence chosen per case within the policy's
// bounds (DeadlinePolicy::checkin_min_days … checkin_max_days), which the
// stall clock then runs (engine.hpp).
//
//   {"type":"handover","receiving_organisation":"…","receiving_role":"…",
//    "safety_reached":true,"help_plan_exists":true,"checkin_days":14}

#include <boost/json/object.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "piket/cases/cases_config.hpp"
#include "piket/common/api_refusal.hpp"

namespace piket::cases {

struct Actor;

inline constexpr std::size_t kMaxReceivingOrganisation = 100;
inline constexpr std::size_t kMaxReceivingRole = 60;

struct HandoverFacts {
  std::string organisation;  // receiving organisation
  std::string role;          // receiving role (a function, never a person's name)
  bool safety_reached = false;
  bool help_plan_exists = false;
  std::optional<int> checkin_days;  // the chosen cadence after handover
};

// The event body's handover fields (names in kHandoverFields).
inline constexpr std::string_view kHandoverFields[] = {"receiving_organisation", "receiving_role",
                                                       "safety_reached", "help_plan_exists",
                                                       "checkin_days"};
bool is_handover_field(std::string_view key);

// Reads the handover fields of an event body (types and bounds); nullopt
// when none is given.
std::optional<common::ApiRefusal> parse_handover_fields(const boost::json::object& body,
                                                        HandoverFacts& out);

// Whether a handover may be recorded: who takes over is named, the cadence
// lies within the policy's bounds, and safety and a help plan are confirmed —
// or the actor is a team lead who gives a reason. The refusal names the field.
std::optional<common::ApiRefusal> check_handover(const HandoverFacts& h, const std::string& reason,
                                                 const Actor& actor, const DeadlinePolicy& policy);

}  // namespace piket::cases
