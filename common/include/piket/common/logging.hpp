#pragma once
// spdlog set-up for a service: text for people, JSON lines for machines.
// Privacy rule: log lines carry ids, kinds and counts — never names, phone
// numbers of persons, household keys, addresses or free text.

#include <string>

#include "piket/common/config.hpp"

namespace piket::common {

// Installs the default logger "<service>" (stderr, and <dir>/<service>.log when
// cfg.dir is set).
void init_logging(const std::string& service, const LogConfig& cfg);

// Escapes a string for inclusion in a JSON string literal.
std::string json_escape(std::string_view s);

}  // namespace piket::common
