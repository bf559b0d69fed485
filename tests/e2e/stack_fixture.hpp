#pragma once
// Starts a whole piket deployment (own redis-server, Kannel + fakesmsc, the
// four services) on free ports for one test, and offers what the tests need
// to talk to it.

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

#include "piket/common/http_client.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/secrets.hpp"
#include "piket/config/config.hpp"
#include "piket/launch/fakesmsc_log.hpp"
#include "piket/launch/http_get.hpp"
#include "piket/launch/url_codec.hpp"
#include "piket/stack/local_stack.hpp"
#include "piket/stack/stack_config.hpp"
#include "piket/store/delivery.hpp"
#include "piket/store/outbox.hpp"

namespace piket::e2e {

inline std::filesystem::path work_dir_for_test() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  auto dir = std::filesystem::path(PIKET_TEST_WORK_DIR) /
             (std::string(info->test_suite_name()) + "." + info->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

class Stack {
 public:
  // `with_web`: piket-web and piket-cases too (the family's contact link).
  explicit Stack(stack::StackSpec spec = {}, bool with_kannel = true, bool with_web = false)
      : spec_(std::move(spec)) {
    dir_ = work_dir_for_test();
    spec_.ports = stack::StackPorts::pick_free();
    spec_.log_dir = (dir_ / "logs").string();
    const auto config_file = stack::write_stack_config(spec_, dir_);
    stack::StackOptions opts{dir_, PIKET_BIN_DIR, with_kannel};
    opts.kannel_admin_port = spec_.ports.kannel_admin;
    opts.smsbox_port = spec_.ports.smsbox;
    opts.smsc_port = spec_.ports.smsc;
    opts.with_web = opts.with_cases = with_web;
    stack_ = std::make_unique<stack::LocalStack>(config_file, opts);
    stack_->start();
  }

  // Least privilege is enough: Redis's ACL refused no piket service anything.
  ~Stack() {
    if (stack_)
      for (const auto& r : stack_->redis_acl_refusals()) ADD_FAILURE() << "Redis ACL refused " << r;
  }
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  stack::LocalStack& local() { return *stack_; }
  const stack::StackSpec& spec() const { return spec_; }
  const config::Config& config() const { return stack_->config(); }

  std::unique_ptr<common::HttpClient> partner_client(const std::string& token) const {
    auto c = std::make_unique<common::HttpClient>(common::HostPort{"127.0.0.1", spec_.ports.ingest},
                                                  std::chrono::milliseconds{5000});
    c->set_header("Authorization", "Bearer " + token);
    return c;
  }

  common::RedisConnection redis() const { return common::RedisConnection(config().redis); }

  std::vector<launch::DeliveredSms> delivered() const {
    std::ifstream in(stack_->fakesmsc_log());
    std::string contents((std::istreambuf_iterator<char>(in)), {});
    return launch::parse_fakesmsc_log(contents);
  }

  // A Prometheus sample from the service on `port`: the first line of metric `name` whose
  // labels hold `label` (e.g. `outcome="unknown"`; "" for any); -1 when there is none.
  static double metric(std::uint16_t port, std::string_view name, std::string_view label) {
    common::HttpClient c(common::HostPort{"127.0.0.1", port}, std::chrono::milliseconds{5000});
    std::istringstream lines(c.get("/metrics").body);
    for (std::string line; std::getline(lines, line);)
      if (line.rfind(name, 0) == 0 && line.size() > name.size() &&
          (line[name.size()] == '{' || line[name.size()] == ' ') &&
          line.find(label) != std::string::npos)
        return std::stod(line.substr(line.rfind(' ') + 1));
    return -1;
  }

  // Nothing is on its way to a phone, by the record (issue 19, part 6: instead of
  // waiting a while and seeing nothing): no outbox holds a message for a service
  // (outbox:{channel}:due, every channel), and notify holds no SMS queued, in retry or
  // leased (notify:queue, "{delivery}:sms"; a send in doubt stays there until it goes
  // again). What is made from here on needs a new cause (an answer, a clock move).
  bool nothing_to_send() const {
    auto r = redis();
    std::string cursor = "0";
    do {
      const auto page =
          r.command({"SCAN", cursor, "MATCH", store::outbox_due_key("*"), "COUNT", "100"});
      cursor = page.elements.at(0).str;
      for (const auto& key : page.elements.at(1).elements)
        if (r.command({"ZCARD", key.str}).integer > 0) return false;
    } while (cursor != "0");
    for (const auto& d :
         r.command({"ZRANGE", std::string(store::kNotifyQueue), "0", "-1"}).element_strings())
      if (d.size() > 4 && d.compare(d.size() - 4, 4, ":sms") == 0) return false;
    return true;
  }

  // What Kannel sent has reached the phone, by both records (instead of waiting
  // the second or so fakesmsc takes to log it): bearerbox holds nothing queued
  // to send and its count of SMS sent (status page; a concatenated SMS counts
  // once, when its last part went) equals the SMS in fakesmsc's log (which
  // delivered() reassembles the same way). For a deployment whose Kannel was
  // not restarted (a restart starts bearerbox's count afresh); false while
  // Kannel does not answer.
  bool phone_has_what_kannel_sent() const {
    try {
      const common::SecretStore secrets(config().secrets_dir);
      const auto status =
          launch::http_get(spec_.ports.kannel_admin,
                           "/status.txt?password=" +
                               launch::url_encode(secrets.read(common::secret_file::kannel_admin)),
                           std::chrono::milliseconds{2000});
      // "SMS: received 3 (0 queued), sent 12 (0 queued), store size 0"
      const auto at = status.body.find("SMS: received");
      const auto sent = status.body.find("sent ", at);
      if (status.status != 200 || at == std::string::npos || sent == std::string::npos)
        return false;
      std::istringstream in(status.body.substr(sent + 5));
      std::size_t n = 0, queued = 0;
      char paren = 0;
      std::string word;
      if (!(in >> n >> paren >> queued >> word) || paren != '(') return false;
      return queued == 0 && delivered().size() == n;
    } catch (const std::exception&) {
      return false;
    }
  }

  // Polls until `done()` holds (true) or `timeout` passes (false): for
  // recorded state such as nothing_to_send(), not for a fixed time.
  template <typename Done>
  static bool settle(Done done, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= until) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    return true;
  }

  // Polls until `pred(delivered())` holds or `timeout` passes.
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

}  // namespace piket::e2e
