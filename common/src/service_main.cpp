#include "piket/common/service_main.hpp"

#include <spdlog/spdlog.h>

#include <boost/program_options.hpp>
#include <csignal>
#include <iostream>

#include "piket/common/logging.hpp"
#include "piket/common/secrets.hpp"  // SecretError
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

  namespace po = boost::program_options;
  po::options_description desc("piket-" + name + " options");
  desc.add_options()("help,h", "show this help")("config,c", po::value<std::string>(),
                                                 "the deployment's TOML file (required)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "piket-" << name << ": " << e.what() << "\n" << desc;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << desc;
    return 0;
  }
  if (!vm.count("config")) {
    std::cerr << "piket-" << name << ": --config FILE is required\n" << desc;
    return 2;
  }
  try {
    ServiceContext ctx(name);
    const SharedConfig& config = load(vm["config"].as<std::string>());
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
