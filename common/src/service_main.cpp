#include "piket/common/service_main.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>

#include "piket/common/logging.hpp"
#include "piket/common/malloc_arenas.hpp"
#include "piket/common/secrets.hpp"  // SecretError
#include "piket/common/service_args.hpp"
#include "piket/common/shared_clock.hpp"

namespace piket::common {

void wait_for_shutdown_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  spdlog::info("signal {} received, stopping", sig);
}

int service_main(const std::string& name, int argc, char** argv, const ConfigLoader& load,
                 const std::function<void(ServiceContext&)>& run) {
  // Block the stop signals in every thread; wait_for_shutdown_signal takes them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  // Before any thread starts (the arenas are made as threads first allocate).
  limit_malloc_arenas();

  const auto args = parse_service_args(argc, argv);
  if (!args.error.empty()) {
    std::cerr << "piket-" << name << ": " << args.error << "\n" << service_usage(name);
    return 2;
  }
  if (args.help) {
    std::cout << service_usage(name);
    return 0;
  }
  if (args.config.empty()) {
    std::cerr << "piket-" << name << ": --config FILE is required\n" << service_usage(name);
    return 2;
  }
  try {
    ServiceContext ctx(name);
    const SharedConfig& config = load(args.config);
    init_logging(name, config.log);
    if (config.clock == ClockMode::simulated)
      ctx.domain_clock =
          make_shared_simulated_clock(config.redis, config.simulated_start, ctx.transport_clock);
    else
      ctx.domain_clock = std::make_unique<SystemClock>();
    run(ctx);
    spdlog::info("stopped");
    return 0;
  } catch (const SecretError& e) {
    std::cerr << "piket-" << name << ": cannot start: " << e.what() << "\n";
    return 1;
  } catch (const ConfigError& e) {
    std::cerr << "piket-" << name << ": invalid configuration:\n" << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "piket-" << name << ": cannot start: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace piket::common
