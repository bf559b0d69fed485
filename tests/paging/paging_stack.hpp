#pragma once
// A whole piket deployment (own redis-server, Kannel + fakesmsc, the four
// services) plus a real SMTP server, for the paging end-to-end tests. Every
// groningen casemanager gets an e-mail address, the contact rules the test
// asks for and a staff token; Kannel can be told to refuse numbers by prefix.
// The work directory keeps everything the stack sent (fakesmsc.log, Redis
// with the push streams, the Maildir) for the message scan test.

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
#include "smtp_listener.hpp"

namespace piket::paging {

inline std::string staff_token(const std::string& person) {
  return "staff-token-" + person;
}

struct PagingStackOptions {
  std::string contact;        // the TOML array for every groningen casemanager
  std::string denied_prefix;  // Kannel refuses these numbers
  int max_attempts = 20;
  int retry_initial_ms = 200;
  int retry_max_ms = 5000;
};

class PagingStack {
 public:
  explicit PagingStack(const PagingStackOptions& o) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(PIKET_TEST_WORK_DIR) /
           (std::string(info->test_suite_name()) + "." + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    smtp_ = std::make_unique<test::SmtpListener>(dir_ / "smtp");
    spec_.ports = stack::StackPorts::pick_free();
    spec_.log_dir = (dir_ / "logs").string();
    spec_.smtp_port = smtp_->port();
    spec_.max_attempts = o.max_attempts;
    spec_.retry_initial_ms = o.retry_initial_ms;
    spec_.retry_max_ms = o.retry_max_ms;
    for (int n = 1; n <= 6; ++n) {
      const auto id = "icm-" + std::to_string(n);
      spec_.person_extra[id] = "email = \"icm" + std::to_string(n) + "@piket.test\"\n" +
                               "contact = " + o.contact + "\ntoken_sha256 = \"" +
                               common::sha256_hex(staff_token(id)) + "\"";
    }
    const auto config_file = stack::write_stack_config(spec_, dir_);
    stack::StackOptions opts{dir_, PIKET_BIN_DIR, true};
    opts.kannel_admin_port = spec_.ports.kannel_admin;
    opts.smsbox_port = spec_.ports.smsbox;
    opts.smsc_port = spec_.ports.smsc;
    opts.kannel_denied_prefix = o.denied_prefix;
    stack_ = std::make_unique<stack::LocalStack>(config_file, opts);
    stack_->start();
  }

  // Least privilege is enough: Redis's ACL refused no piket service anything.
  ~PagingStack() {
    if (stack_)
      for (const auto& r : stack_->redis_acl_refusals()) ADD_FAILURE() << "Redis ACL refused " << r;
  }
  PagingStack(const PagingStack&) = delete;
  PagingStack& operator=(const PagingStack&) = delete;

  stack::LocalStack& local() { return *stack_; }
  const stack::StackSpec& spec() const { return spec_; }
  const config::Config& config() const { return stack_->config(); }
  test::SmtpListener& smtp() { return *smtp_; }
  common::RedisConnection redis() const { return common::RedisConnection(config().redis); }

  std::unique_ptr<common::HttpClient> client(std::uint16_t port, const std::string& token) const {
    auto c = std::make_unique<common::HttpClient>(common::HostPort{"127.0.0.1", port},
                                                  std::chrono::milliseconds{5000});
    c->set_header("Authorization", "Bearer " + token);
    return c;
  }
  std::unique_ptr<common::HttpClient> partner() const {
    return client(spec_.ports.ingest, spec_.police_token);
  }
  std::unique_ptr<common::HttpClient> staff(const std::string& person) const {
    return client(spec_.ports.inbound, staff_token(person));
  }

  std::vector<launch::DeliveredSms> delivered() const {
    std::ifstream in(stack_->fakesmsc_log());
    std::string contents((std::istreambuf_iterator<char>(in)), {});
    return launch::parse_fakesmsc_log(contents);
  }

  // Polls `probe()` until it returns true or `timeout` passes.
  template <typename Probe>
  static bool eventually(Probe probe, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (probe()) return true;
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
  }

 private:
  std::filesystem::path dir_;
  stack::StackSpec spec_;
  std::unique_ptr<test::SmtpListener> smtp_;
  std::unique_ptr<stack::LocalStack> stack_;
};

}  // namespace piket::paging
