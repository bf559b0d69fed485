#pragma once
// What every service's main() shares: command line (--config), loading the
// deployment file (through the loader it is given: config::service_main
// assembles the whole file), logging, clocks, metrics, and waiting for
// SIGINT/SIGTERM. A start-up failure is printed as one clear line and exits
// non-zero.

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "piket/common/clock.hpp"
#include "piket/common/config.hpp"
#include "piket/common/metrics.hpp"

namespace piket::common {

struct ServiceContext {
  std::string name;
  // Real time for transport timeouts, retries and rate limits. Before
  // domain_clock: the shared simulated clock's loop uses it till the end.
  SystemClock transport_clock;
  // Domain time: the system clock, or the deployment's shared simulated clock.
  std::unique_ptr<Clock> domain_clock;
  Metrics metrics;
  explicit ServiceContext(std::string n) : name(n), metrics(std::move(n)) {}
};

// Blocks the calling thread until SIGINT or SIGTERM.
void wait_for_shutdown_signal();

// Loads the deployment file named on the command line with the service's
// secrets (throwing ConfigError or SecretError) and returns its shared part.
using ConfigLoader = std::function<const SharedConfig&(const std::filesystem::path& file)>;

// Parses the command line, loads the config with `load`, sets up logging,
// then calls `run` (which starts the service, waits with
// wait_for_shutdown_signal() and stops it). Returns the process exit code.
int service_main(const std::string& name, int argc, char** argv, const ConfigLoader& load,
                 const std::function<void(ServiceContext&)>& run);

}  // namespace piket::common
