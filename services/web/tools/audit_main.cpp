// piket-audit: checks the audit trail's hash chain (verify) and shows its
// latest entries (tail). `verify --heads FILE` also compares the chain with
// the heads piket-web wrote out (its "audit_head seq=… hash=…" log lines,
// e.g. `journalctl -u piket-web -o cat`): a chain rewritten since fails.
// Exit status of verify: 0 intact, 1 broken or rewritten, 2 usage or
// configuration, 3 Redis cannot be reached.
#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>
#include <vector>

#include "piket/common/redis.hpp"
#include "piket/common/secrets.hpp"
#include "piket/common/time_format.hpp"
#include "piket/config/config.hpp"
#include "piket/store/audit.hpp"
#include "piket/web/audit_log.hpp"

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  using namespace piket;
  std::string command, config_file, heads_file;
  int count = 20;
  po::options_description desc(
      "usage: piket-audit verify|tail --config FILE [--count N] [--heads FILE]\n"
      "  verify  recompute the chain; report the first broken entry; with --heads,\n"
      "          also check every head written out earlier is still in the chain\n"
      "  tail    print the last N entries\noptions");
  desc.add_options()("help,h", "show this help")("config,c", po::value(&config_file),
                                                 "the deployment's TOML file")(
      "count,n", po::value(&count)->default_value(20), "entries for tail")(
      "heads", po::value(&heads_file),
      "lines with the heads piket-web wrote out (audit_head seq=… hash=…); other lines are "
      "ignored");
  po::options_description hidden;
  hidden.add_options()("command", po::value(&command));
  po::positional_options_description pos;
  pos.add("command", 1);
  po::options_description all;
  all.add(desc).add(hidden);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "piket-audit: " << e.what() << "\n" << desc;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << desc;
    return 0;
  }
  if ((command != "verify" && command != "tail") || config_file.empty()) {
    std::cerr << desc;
    return 2;
  }
  config::Config config;
  try {
    config = config::load_config(config_file);
    config::load_secrets(config, "ops");
  } catch (const std::exception& e) {
    std::cerr << "piket-audit: invalid configuration:\n" << e.what() << "\n";
    return 2;
  }
  try {
    common::RedisConnection redis(config.redis);
    if (command == "tail") {
      auto r = redis.command(
          {"LRANGE", std::string(store::kAuditLog), std::to_string(-std::max(1, count)), "-1"});
      for (const auto& line : r.elements) {
        auto e = web::parse_entry(line.str);
        if (!e) {
          std::cout << "(unreadable entry)\n";
          continue;
        }
        const auto& x = e->record;
        std::cout << e->seq << "  " << common::format_rfc3339(x.at) << "  " << x.who << " ("
                  << x.role << ") " << x.action << " " << x.target << " " << x.outcome
                  << (x.reason.empty() ? "" : " [" + x.reason + "]") << " from " << x.from << "\n";
      }
      return 0;
    }
    auto v = web::verify_audit_log(redis);
    if (v.ok() && !heads_file.empty()) {
      std::ifstream in(heads_file);
      if (!in) {
        std::cerr << "piket-audit: cannot read " << heads_file << "\n";
        return 2;
      }
      std::vector<web::ChainHead> heads;
      for (std::string line; std::getline(in, line);)
        if (auto h = web::find_audit_head(line)) heads.push_back(*h);
      const auto check = web::check_exported_heads(redis, heads);
      if (!check.ok()) {
        std::cout << "audit chain REWRITTEN: " << *check.problem << "\n";
        return 1;
      }
      std::cout << "audit chain intact: " << v.entries() << " entries, head "
                << v.head().hash.substr(0, 16) << "…; " << check.checked
                << " heads written out earlier are in it\n";
      return 0;
    }
    if (v.ok()) {
      std::cout << "audit chain intact: " << v.entries() << " entries, head "
                << v.head().hash.substr(0, 16) << "…\n";
      return 0;
    }
    std::cout << "audit chain BROKEN at entry " << *v.first_broken() << ": " << v.reason() << "\n("
              << v.entries() << " entries before it verified)\n";
    return 1;
  } catch (const common::RedisError& e) {
    std::cerr << "piket-audit: redis: " << e.what() << "\n";
    return 3;
  }
}
