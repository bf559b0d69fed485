#pragma once
// A network address as "HOST:PORT", as the deployment file and the launchers'
// command lines write it. One parser: the deployment file's ([*] http and
// redis.address through TomlReader::host_port, redis.sentinels in
// common/src/config.cpp) and deploy/launch's (launch::parse_host_port, for
// piket-redis-start's command line) both use it.

#include <optional>
#include <string>
#include <string_view>

#include "piket/common/config.hpp"  // HostPort

namespace piket::common {

// The address, or what is wrong with `text` (the text itself is not repeated:
// the caller names the field or quotes it).
struct ParsedHostPort {
  std::optional<HostPort> address;
  std::string problem;  // empty when `address` is set
};

// "HOST:PORT" split at its last ':' (so "[::1]:6379" keeps its brackets): the
// host must not be empty and the port must be digits only, 1-65535.
// Problems: "must be HOST:PORT" (no ':', or nothing before or after it) and
// "port must be 1-65535".
ParsedHostPort parse_host_port(std::string_view text);

}  // namespace piket::common
