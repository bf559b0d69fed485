#include "piket/rota/rota_config.hpp"

#include "piket/common/toml_reader.hpp"

namespace piket::rota {

using common::set_if;
using common::TomlReader;

std::optional<RotaFileConfig> parse_rota_file_config(TomlReader& r) {
  const auto* t = r.table(r.root(), "", "rota");
  if (!t) return std::nullopt;
  r.only_known(
      *t, "rota.",
      {"file", "coverage_days", "allow_gaps", "handoff_notice_minutes", "gap_warning_hours"});
  RotaFileConfig rf;
  if (auto v = r.string(*t, "rota.", "file", true, 1000)) {
    std::filesystem::path p(*v);
    rf.file = p.is_absolute() ? p : std::filesystem::path(r.file()).parent_path() / p;
  }
  set_if(r.integer(*t, "rota.", "coverage_days", 0, 366), rf.coverage_days);
  set_if(r.boolean(*t, "rota.", "allow_gaps"), rf.allow_gaps);
  if (auto v = r.integer(*t, "rota.", "handoff_notice_minutes", 0, 7 * 24 * 60))
    rf.handoff_notice = std::chrono::minutes{*v};
  if (auto v = r.integer(*t, "rota.", "gap_warning_hours", 0, 24 * 28))
    rf.gap_warning = std::chrono::hours{*v};
  return rf;
}

std::vector<SimpleRotaConfig> parse_rotas(TomlReader& r, const Directory& directory) {
  const std::set<std::string> region_ids = directory.region_ids();
  std::vector<SimpleRotaConfig> rotas;
  for (const auto* t : r.tables(r.root(), "rotas", 200)) {
    SimpleRotaConfig rota;
    r.only_known(*t, "rotas.", {"region", "primary", "anchor", "shift_hours", "team_lead"});
    set_if(r.matching(*t, "rotas.", "region", true, common::id_pattern(), "a region id"),
           rota.region);
    if (!rota.region.empty() && !region_ids.count(rota.region))
      r.error(t->get("region")->source(), "rotas.region", "unknown region " + rota.region);
    rota.primary =
        r.string_list(*t, "rotas.", "primary", true, common::id_pattern(), "a person id");
    if (t->get("primary") && rota.primary.empty())
      r.error(t->get("primary")->source(), "rotas.primary", "needs at least one casemanager");
    for (const auto& id : rota.primary) {
      const auto* p = directory.person(id);
      if (!p || p->role != StaffRole::casemanager)
        r.error(t->get("primary")->source(), "rotas.primary", "no casemanager with id " + id);
    }
    set_if(r.instant(*t, "rotas.", "anchor", true), rota.anchor);
    if (auto h = r.integer(*t, "rotas.", "shift_hours", 1, 24 * 28))
      rota.shift = std::chrono::hours{*h};
    set_if(r.matching(*t, "rotas.", "team_lead", true, common::id_pattern(), "a person id"),
           rota.team_lead);
    if (!rota.team_lead.empty()) {
      const auto* p = directory.person(rota.team_lead);
      if (!p || p->role != StaffRole::team_lead)
        r.error(t->get("team_lead")->source(), "rotas.team_lead",
                "no team lead with id " + rota.team_lead);
    }
    rotas.push_back(std::move(rota));
  }
  return rotas;
}

CaseloadConfig parse_caseload(TomlReader& r) {
  CaseloadConfig c;
  if (const auto* t = r.table(r.root(), "", "caseload")) {
    r.only_known(*t, "caseload.", {"monitoring_weight"});
    set_if(r.number(*t, "caseload.", "monitoring_weight", 0.0, 1.0), c.monitoring_weight);
  }
  return c;
}

}  // namespace piket::rota
