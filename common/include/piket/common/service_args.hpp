#pragma once
// A service's command line: `--config FILE` (also `--config=FILE`, `-c FILE`) and `--help`
// (`-h`). Read by hand, not with Boost.Program_options: the library stayed resident in every
// service (some 0.4 MiB of RSS each, docs/performance.md "Memory") to read these two options.

#include <string>

namespace piket::common {

struct ServiceArgs {
  std::string config;  // the deployment's TOML file; empty when not given
  bool help = false;
  std::string error;  // non-empty: what is wrong with the command line
};

ServiceArgs parse_service_args(int argc, const char* const* argv);

// The options, for --help and after an error.
std::string service_usage(const std::string& name);

}  // namespace piket::common
