#include "piket/cases/phase.hpp"

#include <array>
#include <utility>

namespace piket::cases {
namespace {
constexpr std::array<std::pair<Phase, std::string_view>, 8> kPhases{{
    {Phase::registered, "registered"},
    {Phase::first_contact, "first_contact"},
    {Phase::intake, "intake"},
    {Phase::plan_of_action, "plan_of_action"},
    {Phase::help, "help"},
    {Phase::handover, "handover"},
    {Phase::monitoring, "monitoring"},
    {Phase::closed, "closed"},
}};
}  // namespace

std::string_view to_string(Phase p) {
  for (const auto& [value, name] : kPhases)
    if (value == p) return name;
  return "unknown";
}

std::optional<Phase> parse_phase(std::string_view s) {
  for (const auto& [value, name] : kPhases)
    if (name == s) return value;
  return std::nullopt;
}

Phase next_phase(Phase p) {
  return p == Phase::closed ? p : static_cast<Phase>(static_cast<int>(p) + 1);
}

}  // namespace piket::cases
