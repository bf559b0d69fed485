#include "piket/planner/fair_rota.hpp"

#include <algorithm>

namespace piket::planner {
namespace {

rota::Rotation weekly(std::string name, std::vector<std::string> members, int offset,
                      date::year_month_day monday) {
  rota::Rotation r;
  r.name = std::move(name);
  r.shift = rota::ShiftLength::weeks(1);
  r.handoff = std::chrono::hours{8};
  r.start = monday;
  r.members = std::move(members);
  r.offset = offset;
  return r;
}

}  // namespace

rota::RotaDefinition fair_rota(const std::string& region,
                               const std::vector<std::string>& casemanagers,
                               const std::vector<std::string>& team_leads,
                               date::year_month_day start, int groups) {
  const date::sys_days day{start};
  const date::sys_days monday = day - (date::weekday{day} - date::Monday);
  rota::RegionDefinition def;
  def.id = region;
  rota::LayerDefinition primary{std::string(rota::kPrimary), {}};
  rota::LayerDefinition backup{std::string(rota::kBackup), {}};
  for (int g = 0; g < std::max(1, groups); ++g) {
    std::vector<std::string> members;
    for (std::size_t i = static_cast<std::size_t>(g); i < casemanagers.size();
         i += static_cast<std::size_t>(groups))
      members.push_back(casemanagers[i]);
    if (members.empty()) continue;
    const auto n = std::to_string(g + 1);
    primary.rotations.push_back(weekly("fair-" + n, members, 0, monday));
    if (members.size() > 1)
      backup.rotations.push_back(weekly("fair-next-" + n, members, 1, monday));
  }
  def.layers.push_back(std::move(primary));
  if (!backup.rotations.empty()) def.layers.push_back(std::move(backup));
  if (!team_leads.empty())
    def.layers.push_back({std::string(rota::kTeamLead), {weekly("leads", team_leads, 0, monday)}});
  rota::RotaDefinition out;
  out.regions.push_back(std::move(def));
  return out;
}

int groups_for(int n, int per_group) {
  return std::max(1, n / std::max(1, per_group));
}

}  // namespace piket::planner
