#pragma once
// The next handoff of each person: when they go off call, and when they next
// come on call ("you are on call from 08:00 until …").

#include <optional>
#include <string>
#include <vector>

#include "piket/rota/rota.hpp"

namespace piket::rota {

struct PersonHandoff {
  std::string region;
  std::string layer;
  std::string person;
  bool on_call_now = false;
  // On call now: when that stretch ends. nullopt: not on call now, or on call
  // beyond the look-ahead.
  std::optional<common::Instant> off_at;
  // The next stretch starting after `at`: its start and its end (nullopt: it
  // runs beyond the look-ahead).
  std::optional<common::Instant> next_on_at;
  std::optional<common::Instant> next_off_at;
  friend bool operator==(const PersonHandoff&, const PersonHandoff&) = default;
};

// One entry per (region, layer, person) for every person who is a member of a
// rotation of the layer or named by one of its overrides. Sorted by region,
// layer, person.
std::vector<PersonHandoff> next_handoffs(const Rota& rota, common::Instant at,
                                         common::Millis look_ahead);

}  // namespace piket::rota
