// piket-stack: starts a whole local deployment (redis-server, Kannel with
// fakesmsc, every piket service) from a configuration file and stops it all
// on Ctrl-C. deploy/run calls it. With --cluster: the local cluster (three
// Redis, three sentinels, two instances of every service; deploy/cluster).
// Wiring only; the logic is in LocalStack and ClusterStack.
#include <boost/program_options.hpp>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <stdexcept>
#include <string>

#include "piket/common/service_main.hpp"
#include "piket/stack/cluster_stack.hpp"
#include "piket/stack/local_stack.hpp"

namespace {

int run_cluster(const std::string& config, const std::string& data_dir, const std::string& bin_dir,
                std::uint64_t redis_maxmemory_mb, int instances) {
  using namespace piket;
  try {
    stack::ClusterOptions options{data_dir, bin_dir};
    options.instances = instances;
    options.redis_maxmemory_mb = redis_maxmemory_mb;
    stack::ClusterStack local(config, options);
    std::cout << "starting three Redis with three sentinels, Kannel (bearerbox, smsbox, "
                 "fakesmsc) and "
              << instances << " instances of every service…" << std::endl;
    local.start();
    auto& redis = local.redis();
    std::cout << "the piket cluster is up.\n  Redis nodes on 127.0.0.1:";
    for (int i = 0; i < launch::SentinelCluster::kNodes; ++i)
      std::cout << (i ? ", " : "") << redis.node_port(i);
    std::cout << " (primary now: " << redis.node_port(redis.primary_index()) << "), sentinels on ";
    for (int i = 0; i < launch::SentinelCluster::kSentinels; ++i)
      std::cout << (i ? ", " : "") << redis.sentinel_port(i);
    std::cout << "\n";
    for (auto c : local.services()) {
      std::cout << "  " << stack::to_string(c) << ":";
      for (int n = 1; n <= local.instances(); ++n)
        std::cout << " http://127.0.0.1:" << local.http_port(c, n);
      std::cout << "\n";
    }
    std::cout << "  Kannel calls back to inbound 1 only (production: a load balancer)\n"
              << "  SMS as the phone would get them: " << local.fakesmsc_log().string() << "\n"
              << "  configuration per instance: "
              << local.config_file(stack::Component::ingest, 1).parent_path().string()
              << "/piket-<service>-<n>.toml; logs: " << local.log_dir().string() << "/\n"
              << "Ctrl-C stops everything." << std::endl;
    common::wait_for_shutdown_signal();
    std::cout << "stopping…" << std::endl;
    local.stop();
    std::cout << "stopped." << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "piket-stack: cannot start the cluster: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  using namespace piket;
  std::string config, data_dir, bin_dir;
  std::uint64_t redis_maxmemory_mb = stack::kDefaultRedisMaxmemoryMb;
  bool cluster = false;
  int instances = 2;
  po::options_description desc("piket-stack options");
  desc.add_options()("help,h", "show this help")("config", po::value(&config)->required(),
                                                 "the deployment's TOML file")(
      "data-dir", po::value(&data_dir)->required(),
      "where Redis, Kannel and logs keep their files")("bin-dir", po::value(&bin_dir)->required(),
                                                       "the build's services/ directory")(
      "redis-maxmemory-mb", po::value(&redis_maxmemory_mb)->default_value(redis_maxmemory_mb),
      "Redis's memory limit in MiB (16-1048576); at the limit writes are refused, never evicted")(
      "cluster", po::bool_switch(&cluster),
      "the local cluster: three Redis with three sentinels (from [redis] sentinels; the nodes on "
      "[redis] address's port, +1, +2) and --instances of every service")(
      "instances", po::value(&instances)->default_value(instances),
      "with --cluster: instances of every service (1-9); instance n listens on instance 1's "
      "ports + 100*(n-1)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    if (vm.count("help")) {
      std::cout << desc;
      return 0;
    }
    po::notify(vm);
    if (instances < 1 || instances > 9) throw std::invalid_argument("--instances must be 1-9");
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
  if (cluster) return run_cluster(config, data_dir, bin_dir, redis_maxmemory_mb, instances);
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
