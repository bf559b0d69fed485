// piket-redis-start: starts redis-server on a node of a Sentinel deployment in the role the
// sentinels allow (launch::node_start_role, docs/availability.md "A node that comes back"):
// a replica of the primary they name, the primary only when they name this node and nothing
// fails over, and never while a failover away from it may be under way (it waits that out).
// Then it becomes redis-server (execv, same process: systemd's Type=notify still works) with
// `--replicaof …` after the command's own arguments. Wiring only.
//
// For example (one line in piket-redis.service):
//   piket-redis-start --self 10.20.0.11:6390 --sentinel 10.20.0.11:26390
//     --sentinel 10.20.0.12:26390 --sentinel 10.20.0.13:26390
//     --password-file /etc/piket/secrets/redis-sentinel-peer.password
//     -- /usr/bin/redis-server /etc/piket/redis/redis.conf --supervised systemd
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "piket/common/secrets.hpp"
#include "piket/launch/node_start_role.hpp"

namespace po = boost::program_options;
using piket::launch::NodeStartOptions;

int main(int argc, char** argv) {
  int split = 1;
  while (split < argc && std::string(argv[split]) != "--") ++split;
  if (split + 1 >= argc) {
    std::cerr << "piket-redis-start: usage: piket-redis-start OPTIONS -- REDIS-SERVER ARGS…\n";
    return 2;
  }
  po::options_description desc("piket-redis-start options");
  desc.add_options()("self", po::value<std::string>()->required(),
                     "HOST:PORT of this node, as the sentinels know it")(
      "sentinel", po::value<std::vector<std::string>>()->required(), "HOST:PORT, each sentinel")(
      "master", po::value<std::string>()->default_value("piket"), "the sentinels' master name")(
      "user", po::value<std::string>()->default_value("default"), "the sentinels' user")(
      "password-file", po::value<std::string>()->required(),
      "the sentinels' password (a file readable by its owner only)")(
      "quorum", po::value<int>()->default_value(2), "the sentinels' quorum")(
      "wait-ms", po::value<int>()->default_value(130'000),
      "how long to wait out a failover away from this node");
  try {
    po::variables_map vm;
    po::store(po::parse_command_line(split, argv, desc), vm);
    po::notify(vm);
    NodeStartOptions o;
    o.self = piket::launch::parse_host_port(vm["self"].as<std::string>());
    for (const auto& s : vm["sentinel"].as<std::vector<std::string>>())
      o.sentinels.push_back(piket::launch::parse_host_port(s));
    o.master_name = vm["master"].as<std::string>();
    o.user = vm["user"].as<std::string>();
    const std::filesystem::path file = vm["password-file"].as<std::string>();
    o.password = piket::common::SecretStore(file.parent_path()).read(file.filename().string());
    o.quorum = vm["quorum"].as<int>();
    if (o.quorum < 1 || o.quorum > static_cast<int>(o.sentinels.size()))
      throw std::invalid_argument("--quorum must be 1 to the number of sentinels");
    const int wait_ms = vm["wait-ms"].as<int>();
    if (wait_ms < 0 || wait_ms > 3'600'000)
      throw std::invalid_argument("--wait-ms must be 0 to 3600000");
    o.wait_limit = std::chrono::milliseconds(wait_ms);

    const auto role = piket::launch::node_start_role(o);
    std::cerr << "piket-redis-start: " << role.why << std::endl;
    std::vector<std::string> args(argv + split + 1, argv + argc);
    for (auto& a : piket::launch::redis_server_role_args(role)) args.push_back(std::move(a));
    std::vector<char*> cargs;
    for (auto& a : args) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    execv(cargs[0], cargs.data());
    std::cerr << "piket-redis-start: cannot run " << args[0] << ": " << std::strerror(errno)
              << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "piket-redis-start: " << e.what() << "\n";
    return 2;
  }
}
