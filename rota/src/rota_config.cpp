#include "piket/rota/rota_config.hpp"

#include "piket/common/toml_reader.hpp"

namespace piket::rota {

using common::set_if;
using common::TomlReader;

RotaFileConfig parse_rota_file_config(TomlReader& r) {
  RotaFileConfig rf;
  // The walking skeleton's simple rota is gone: say what replaces it.
  if (const auto* n = r.root().get("rotas"))
    r.error(n->source(), "rotas",
            "the simple rota is no longer supported; use a rota file ([rota] file = "
            "\"rota.toml\", docs/rota-file.md)");
  const auto* t = r.table(r.root(), "", "rota");
  if (!t) {
    if (!r.root().get("rota"))
      r.error_at_table(r.root(), "rota.file",
                       "required: every deployment names its rota file ([rota] file = "
                       "\"rota.toml\", docs/rota-file.md)");
    return rf;
  }
  r.only_known(
      *t, "rota.",
      {"file", "coverage_days", "allow_gaps", "handoff_notice_minutes", "gap_warning_hours"});
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

CaseloadConfig parse_caseload(TomlReader& r) {
  CaseloadConfig c;
  if (const auto* t = r.table(r.root(), "", "caseload")) {
    r.only_known(*t, "caseload.", {"monitoring_weight"});
    set_if(r.number(*t, "caseload.", "monitoring_weight", 0.0, 1.0), c.monitoring_weight);
  }
  return c;
}

}  // namespace piket::rota
