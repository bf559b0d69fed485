// piket-stack: starts a whole local deployment (redis-server, Kannel with
// fakesmsc, every piket service) from a configuration file and stops it all
// on Ctrl-C. deploy/run calls it. Wiring only; the logic is in LocalStack.
#include <boost/program_options.hpp>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <stdexcept>
#include <string>

#include "piket/common/service_main.hpp"
#include "piket/stack/local_stack.hpp"

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  using namespace piket;
  std::string config, data_dir, bin_dir;
  std::uint64_t redis_maxmemory_mb = stack::kDefaultRedisMaxmemoryMb;
  po::options_description desc("piket-stack options");
  desc.add_options()("help,h", "show this help")("config", po::value(&config)->required(),
                                                 "the deployment's TOML file")(
      "data-dir", po::value(&data_dir)->required(),
      "where Redis, Kannel and logs keep their files")("bin-dir", po::value(&bin_dir)->required(),
                                                       "the build's services/ directory")(
      "redis-maxmemory-mb", po::value(&redis_maxmemory_mb)->default_value(redis_maxmemory_mb),
      "Redis's memory limit in MiB (16-1048576); at the limit writes are refused, never evicted");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    if (vm.count("help")) {
      std::cout << desc;
      return 0;
    }
    po::notify(vm);
    if (redis_maxmemory_mb < 16 || redis_maxmemory_mb > 1048576)
      throw std::invalid_argument("--redis-maxmemory-mb must be 16-1048576, not " +
                                  std::to_string(redis_maxmemory_mb));
  } catch (const std::exception& e) {
    std::cerr << "piket-stack: " << e.what() << "\n" << desc;
    return 2;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  try {
    stack::StackOptions options{data_dir, bin_dir};
    options.with_web = true;    // the board and the casemanager app
    options.with_cases = true;  // the case API and the deadline engine
    options.redis_maxmemory_mb = redis_maxmemory_mb;
    stack::LocalStack local(config, options);
    std::cout << "starting redis-server, Kannel (bearerbox, smsbox, fakesmsc) and the services…"
              << std::endl;
    local.start();
    const auto& cfg = local.config();
    std::cout << "piket is up. Partner API on http://" << cfg.ingest.http.host << ":"
              << cfg.ingest.http.port << "\n"
              << "  web app (board, casemanager app) on http://" << cfg.web.http.host << ":"
              << cfg.web.http.port << "/\n"
              << "  SMS as the phone would get them: " << local.fakesmsc_log().string() << "\n"
              << "  Redis on 127.0.0.1:" << cfg.redis.address.port
              << ": one ACL user per service, maxmemory " << options.redis_maxmemory_mb
              << " MiB (noeviction)\n"
              << "  service logs: " << local.log_dir().string() << "/ and "
              << (cfg.log.dir.empty() ? "stderr" : cfg.log.dir) << "\n"
              << "Ctrl-C stops everything." << std::endl;
    common::wait_for_shutdown_signal();
    std::cout << "stopping…" << std::endl;
    local.stop();
    std::cout << "stopped." << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "piket-stack: cannot start: " << e.what() << "\n";
    return 1;
  }
}
