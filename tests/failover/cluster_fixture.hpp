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
#include <string>

#include "piket/common/http_client.hpp"
#include "piket/launch/fakesmsc_log.hpp"
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
    stack::pick_free_cluster_ports(spec_, options);
    spec_.log_dir = (dir_ / "logs").string();
    const auto config_file = stack::write_stack_config(spec_, dir_);
    options.data_dir = dir_;
    options.bin_dir = PIKET_BIN_DIR;
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
