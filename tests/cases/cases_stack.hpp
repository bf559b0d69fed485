#pragma once
// A whole piket deployment for the cases scenario tests: the shared stack
// (own redis-server, Kannel + fakesmsc, the services) with piket-cases
// started too, on a simulated clock, and staff tokens for every person.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "piket/common/crypto.hpp"
#include "piket/common/http_client.hpp"
#include "piket/common/redis.hpp"
#include "piket/config/config.hpp"
#include "piket/launch/fakesmsc_log.hpp"
#include "piket/stack/local_stack.hpp"
#include "piket/stack/stack_config.hpp"

namespace piket::cases::test {

inline std::string stack_staff_token(const std::string& person) {
  return "staff-token-" + person;
}

class CasesStack {
 public:
  explicit CasesStack(stack::StackSpec spec = {}) : spec_(std::move(spec)) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(PIKET_TEST_WORK_DIR) /
           (std::string(info->test_suite_name()) + "." + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    spec_.ports = stack::StackPorts::pick_free();
    spec_.log_dir = (dir_ / "logs").string();
    spec_.simulated_clock = true;
    for (const char* id :
         {"icm-1", "icm-2", "icm-3", "icm-4", "icm-5", "icm-6", "tl-g", "icm-d1", "tl-d"})
      spec_.person_extra[id] +=
          "token_sha256 = \"" + common::sha256_hex(stack_staff_token(id)) + "\"";
    const auto config_file = stack::write_stack_config(spec_, dir_);
    stack::StackOptions opts{dir_, PIKET_BIN_DIR};
    opts.kannel_admin_port = spec_.ports.kannel_admin;
    opts.smsbox_port = spec_.ports.smsbox;
    opts.smsc_port = spec_.ports.smsc;
    opts.with_cases = true;
    stack_ = std::make_unique<stack::LocalStack>(config_file, opts);
    stack_->start();
  }

  // Least privilege is enough: Redis's ACL refused no piket service anything.
  ~CasesStack() {
    if (stack_)
      for (const auto& r : stack_->redis_acl_refusals()) ADD_FAILURE() << "Redis ACL refused " << r;
  }
  CasesStack(const CasesStack&) = delete;
  CasesStack& operator=(const CasesStack&) = delete;

  stack::LocalStack& local() { return *stack_; }
  const stack::StackSpec& spec() const { return spec_; }
  const config::Config& config() const { return stack_->config(); }

  std::unique_ptr<common::HttpClient> client(std::uint16_t port, const std::string& token) const {
    auto c = std::make_unique<common::HttpClient>(common::HostPort{"127.0.0.1", port},
                                                  std::chrono::milliseconds{5000});
    c->set_header("Authorization", "Bearer " + token);
    return c;
  }
  std::unique_ptr<common::HttpClient> partner() const {
    return client(spec_.ports.ingest, spec_.police_token);
  }
  std::unique_ptr<common::HttpClient> admin() const {
    return client(spec_.ports.ingest, spec_.admin_token);
  }
  std::unique_ptr<common::HttpClient> staff(const std::string& person) const {
    return client(spec_.ports.cases, stack_staff_token(person));
  }
  common::RedisConnection redis() const { return common::RedisConnection(config().redis); }

  std::vector<launch::DeliveredSms> delivered() const {
    std::ifstream in(stack_->fakesmsc_log());
    std::string contents((std::istreambuf_iterator<char>(in)), {});
    return launch::parse_fakesmsc_log(contents);
  }
  template <typename Pred>
  std::vector<launch::DeliveredSms> wait_delivered(Pred pred, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto d = delivered();
      if (pred(d) || std::chrono::steady_clock::now() > until) return d;
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
  }

 private:
  stack::StackSpec spec_;
  std::filesystem::path dir_;
  std::unique_ptr<stack::LocalStack> stack_;
};

}  // namespace piket::cases::test
