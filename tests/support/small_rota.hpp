#pragma once
// Small rota files (docs/rota-file.md) for tests that need a rota: one
// rotation in a region's primary layer (one person a shift, in turn) and a
// team_lead layer. Tests read the text with rota::parse_rota_file(text,
// "rota.toml", people), as dispatch and the web app read the deployment's
// rota file.

#include <string>
#include <vector>

namespace piket::test {

struct SmallRota {
  std::string region = "groningen";
  std::vector<std::string> primary;  // one a shift, in this order
  std::string team_lead;             // the team_lead layer; empty: none
  std::string start;                 // the first shift's date, e.g. "2026-11-23"
  std::string handoff = "08:00";     // Europe/Amsterdam wall-clock time of the handoffs
  int shift_hours = 24;              // 24: shift = "day" (a calendar day, DST-correct)
};

inline std::string small_rota_file(const SmallRota& r) {
  const std::string shift =
      r.shift_hours == 24 ? std::string("\"day\"") : std::to_string(r.shift_hours);
  auto rotation = [&](const std::string& layer, const std::vector<std::string>& members) {
    std::string list;
    for (const auto& m : members) list += (list.empty() ? "\"" : ", \"") + m + "\"";
    return "[[rotations]]\nregion = \"" + r.region + "\"\nlayer = \"" + layer +
           "\"\nshift = " + shift + "\nhandoff = \"" + r.handoff + "\"\nstart = " + r.start +
           "\nmembers = [" + list + "]\n\n";
  };
  std::string text = rotation("primary", r.primary);
  if (!r.team_lead.empty()) text += rotation("team_lead", {r.team_lead});
  return text;
}

}  // namespace piket::test
