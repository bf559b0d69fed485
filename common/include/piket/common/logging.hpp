#pragma once
// spdlog set-up for a service: text for people, JSON lines for machines.
// Privacy rule: log lines carry ids, kinds and counts — never names, phone
// numbers of persons, household keys, addresses or free text.

#include <string>

#include "piket/common/config.hpp"
#include "piket/common/json_escape.hpp"  // json_escape, used with the log lines

namespace piket::common {

// Installs the default logger "<service>" (stderr, and <dir>/<service>.log when
// cfg.dir is set).
void init_logging(const std::string& service, const LogConfig& cfg);

}  // namespace piket::common
