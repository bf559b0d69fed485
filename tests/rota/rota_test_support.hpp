#pragma once
// Helpers for the rota tests: instants written as UTC text, small rotas.

#include <gtest/gtest.h>

#include <cctype>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "piket/common/time_format.hpp"
#include "piket/rota/directory.hpp"
#include "piket/rota/rota.hpp"
#include "piket/rota/rotation.hpp"

namespace piket::rota::test {

using common::Instant;
using namespace std::chrono_literals;

// Expected instants are written in UTC ("2026-03-29T01:00:00Z") so the tests
// do not lean on the code under test to state what they expect.
inline Instant utc(const std::string& text) {
  auto t = common::parse_rfc3339(text);
  if (!t) throw std::invalid_argument("bad test instant " + text);
  return *t;
}

inline date::year_month_day ymd(int y, unsigned m, unsigned d) {
  return date::year_month_day{date::year{y}, date::month{m}, date::day{d}};
}

inline Rotation rotation(std::vector<std::string> members, ShiftLength shift,
                         std::chrono::minutes handoff, date::year_month_day start) {
  Rotation r;
  r.name = "r";
  r.members = std::move(members);
  r.shift = std::move(shift);
  r.handoff = handoff;
  r.start = start;
  return r;
}

// A rota of one region "g" whose `layer` is made of `rotations`.
inline RotaDefinition one_layer(std::vector<Rotation> rotations, std::string layer = "primary") {
  RotaDefinition def;
  def.regions.push_back(RegionDefinition{"g", {LayerDefinition{layer, std::move(rotations)}}});
  return def;
}

inline TimeRange range(const std::string& from, const std::string& to) {
  return TimeRange{utc(from), utc(to)};
}

inline rota::PersonConfig person(std::string id,
                                 rota::StaffRole role = rota::StaffRole::casemanager, int cap = 12,
                                 std::vector<std::string> regions = {"g"}) {
  rota::PersonConfig p;
  p.id = std::move(id);
  p.display_name = p.id;
  p.role = role;
  p.phone = "+447700900001";
  p.regions = std::move(regions);
  p.caseload_cap = cap;
  return p;
}

// A gtest name from a case description: letters and digits, '_' between words.
inline std::string test_name(std::string_view what) {
  std::string out;
  for (char c : what) {
    if (std::isalnum(static_cast<unsigned char>(c)))
      out += c;
    else if (!out.empty() && out.back() != '_')
      out += '_';
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

// Segment starts (the handoffs) of a timeline.
inline std::vector<Instant> starts(const std::vector<Segment>& segments) {
  std::vector<Instant> out;
  for (const auto& s : segments) out.push_back(s.start);
  return out;
}

}  // namespace piket::rota::test
