#pragma once
// The rota's sections of the deployment file: [rota] (the rota file and its
// checks), the walking skeleton's [[rotas]] and [caseload]
// (docs/configuration.md). Pure data and its parsers (through
// common::TomlReader, no I/O).

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "piket/common/clock.hpp"
#include "piket/rota/directory.hpp"

namespace piket::rota {

// The deliberately simple rota of the walking skeleton: per region, a
// rotation of casemanagers with fixed-length shifts from an anchor instant,
// plus one team lead. The full rota (rota/) replaces it.
struct SimpleRotaConfig {
  std::string region;
  std::vector<std::string> primary;
  common::Instant anchor{};
  std::chrono::hours shift{24};
  std::string team_lead;
};

// The full rota (rota/): a separate human-editable file. Without it the
// simple [[rotas]] of the walking skeleton are used.
struct RotaFileConfig {
  std::filesystem::path file;  // relative paths are relative to this config file
  int coverage_days = 14;      // refuse to start when a layer is empty within this many days…
  bool allow_gaps = false;     // …unless told otherwise
  common::Millis handoff_notice{
      std::chrono::minutes{60}};  // "you are on call from …" this long before
  common::Millis gap_warning{std::chrono::hours{72}};  // warn the team lead of a gap this far ahead
};

// How a casemanager's open cases count against their caseload_cap: a case in
// its intensive phase counts 1, one in monitoring (after handover)
// `monitoring_weight`.
struct CaseloadConfig {
  double monitoring_weight = 0.25;
};

// [rota]; absent: no rota file.
std::optional<RotaFileConfig> parse_rota_file_config(common::TomlReader& r);
// [[rotas]]: their regions and people must be in `directory`.
std::vector<SimpleRotaConfig> parse_rotas(common::TomlReader& r, const Directory& directory);
// [caseload].
CaseloadConfig parse_caseload(common::TomlReader& r);

}  // namespace piket::rota
