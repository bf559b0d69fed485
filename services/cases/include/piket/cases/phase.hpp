#pragma once
// The phases of a Multifocus case, in the order the method runs through them
// (PRODUCT.md): registered → first contact → intake → plan of action → help by
// chain partners → handover to the local team → monitoring → closed.

#include <optional>
#include <string_view>

namespace piket::cases {

enum class Phase {
  registered,
  first_contact,
  intake,
  plan_of_action,
  help,
  handover,
  monitoring,
  closed,
};

std::string_view to_string(Phase p);
std::optional<Phase> parse_phase(std::string_view s);

// The phase after `p` (closed stays closed).
Phase next_phase(Phase p);

}  // namespace piket::cases
