#pragma once
// Test support: the local cluster (stack::ClusterStack, the same code as `piket-stack
// --cluster`) on free ports for one test — three Redis and three sentinels (down-after
// 500 ms), Kannel with fakesmsc, two instances of every service — and what a test needs to
// talk to it and to break it: kill -9 and restart of a Redis node, a sentinel or one instance
// of a service (cluster().redis(), cluster().kill9/start), who is primary now
// (cluster().redis().primary_index(), as the sentinels say).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>

#include "piket/common/http_client.hpp"
#include "piket/launch/fakesmsc_log.hpp"
#include "piket/launch/ports.hpp"
#include "piket/stack/cluster_stack.hpp"
#include "piket/stack/stack_config.hpp"

namespace piket::failover {

inline std::filesystem::path work_dir_for_test() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  auto dir = std::filesystem::path(PIKET_TEST_WORK_DIR) /
             (std::string(info->test_suite_name()) + "." + info->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

class Cluster {
 public:
  // `spec`'s ports, sentinels and log_dir are chosen here; `options` says the rest (its
  // data_dir, bin_dir, ports and kannel ports are chosen here too).
  explicit Cluster(stack::StackSpec spec = {}, stack::ClusterOptions options = {})
      : spec_(std::move(spec)) {
    dir_ = work_dir_for_test();
    std::set<std::uint16_t> used;
    auto next = [&used] {
      for (;;) {
        const auto p = launch::free_tcp_port();
        if (used.insert(p).second) return p;
      }
    };
    spec_.ports = stack::StackPorts::pick_free();
    for (auto p : {spec_.ports.redis, spec_.ports.ingest, spec_.ports.dispatch_http,
                   spec_.ports.dispatch_zmq, spec_.ports.notify_http, spec_.ports.notify_zmq,
                   spec_.ports.inbound, spec_.ports.web, spec_.ports.cases, spec_.ports.sendsms,
                   spec_.ports.kannel_admin, spec_.ports.smsbox, spec_.ports.smsc})
      used.insert(p);
    spec_.sentinel_ports = {next(), next(), next()};
    spec_.log_dir = (dir_ / "logs").string();
    const auto config_file = stack::write_stack_config(spec_, dir_);
    options.data_dir = dir_;
    options.bin_dir = PIKET_BIN_DIR;
    options.redis_node_ports = {spec_.ports.redis, next(), next()};
    for (auto c : {stack::Component::ingest, stack::Component::dispatch, stack::Component::notify,
                   stack::Component::inbound, stack::Component::cases, stack::Component::web}) {
      auto& more = options.more_instances[c];
      more.clear();
      const bool zmq = c == stack::Component::dispatch || c == stack::Component::notify;
      for (int n = 2; n <= options.instances; ++n)
        more.push_back({next(), zmq ? next() : std::uint16_t{0}});
    }
    options.kannel_admin_port = spec_.ports.kannel_admin;
    options.smsbox_port = spec_.ports.smsbox;
    options.smsc_port = spec_.ports.smsc;
    cluster_ = std::make_unique<stack::ClusterStack>(config_file, options);
    cluster_->start();
  }

  // Least privilege is enough: Redis's ACL refused no piket service anything.
  ~Cluster() {
    if (cluster_)
      for (const auto& r : cluster_->redis_acl_refusals())
        ADD_FAILURE() << "Redis ACL refused " << r;
  }
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  stack::ClusterStack& cluster() { return *cluster_; }
  const stack::StackSpec& spec() const { return spec_; }

  // A partner's client of ingest instance n.
  std::unique_ptr<common::HttpClient> partner_client(
      int n, const std::string& token,
      std::chrono::milliseconds timeout = std::chrono::milliseconds{3000}) const {
    auto c = std::make_unique<common::HttpClient>(
        common::HostPort{"127.0.0.1", cluster_->http_port(stack::Component::ingest, n)}, timeout);
    c->set_header("Authorization", "Bearer " + token);
    return c;
  }

  std::vector<launch::DeliveredSms> delivered() const {
    std::ifstream in(cluster_->fakesmsc_log());
    std::string contents((std::istreambuf_iterator<char>(in)), {});
    return launch::parse_fakesmsc_log(contents);
  }

 private:
  stack::StackSpec spec_;
  std::filesystem::path dir_;
  std::unique_ptr<stack::ClusterStack> cluster_;
};

}  // namespace piket::failover
