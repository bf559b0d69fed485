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
  // beyond the look-ahead and `end_search`.
  std::optional<common::Instant> off_at;
  // The next stretch starting within the look-ahead: its start and its end
  // (nullopt: it runs beyond the look-ahead and `end_search`).
  std::optional<common::Instant> next_on_at;
  std::optional<common::Instant> next_off_at;
  friend bool operator==(const PersonHandoff&, const PersonHandoff&) = default;
};

// One entry per (region, layer, person) for every person who is a member of a
// rotation of the layer or named by one of its overrides. Sorted by region,
// layer, person. A stretch counts as next when it starts before
// `at + look_ahead`; its end is looked for up to `at + look_ahead + end_search`
// (a notice an hour ahead of a week's shift still says when the week ends).
std::vector<PersonHandoff> next_handoffs(const Rota& rota, common::Instant at,
                                         common::Millis look_ahead,
                                         common::Millis end_search = common::Millis{0});

}  // namespace piket::rota
