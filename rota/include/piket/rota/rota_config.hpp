#pragma once
// The rota's sections of the deployment file: [rota] (the rota file and its
// checks) and [caseload] (docs/configuration.md). Pure data and its parsers
// (through common::TomlReader, no I/O).

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "piket/common/clock.hpp"
#include "piket/rota/directory.hpp"

namespace piket::rota {

// The rota (rota/): a separate human-editable file (docs/rota-file.md) that
// every deployment has; dispatch pages from it and the web app shows it.
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

// [rota], required with its `file`. A file that still has the walking
// skeleton's [[rotas]] is refused with a pointer to the rota file.
RotaFileConfig parse_rota_file_config(common::TomlReader& r);
// [caseload].
CaseloadConfig parse_caseload(common::TomlReader& r);

}  // namespace piket::rota
