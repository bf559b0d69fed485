#include "sinks.hpp"

#include <cstdio>
#include <fstream>

#include "piket/common/http_client.hpp"
#include "piket/launch/fakesmsc_log.hpp"
#include "texts.hpp"

namespace piket::bench {

FakeGateway::FakeGateway(std::uint16_t port, int threads)
    : server_({{"127.0.0.1", port}, threads}, [this](const common::HttpRequest& r) {
        const auto now = Steady::now();
        const auto pages = pages_in_sendsms_query(r.query);
        if (!pages.empty()) pages_.note_request();
        for (const auto& page : pages)
          (page.escalation ? escalations_ : pages_).note(page.case_code, now);
        return common::HttpResponse{202, "text/plain", "0: Accepted for delivery", {}};
      }) {
  server_.start();
}

Webhook::Webhook(std::uint16_t port, int threads)
    : server_({{"127.0.0.1", port}, threads, 1024 * 1024}, [this](const common::HttpRequest& r) {
        const auto now = Steady::now();
        alerts_.note_request();
        for (auto& id : bench_ids_in_webhook(r.body)) alerts_.note(std::move(id), now);
        return common::HttpResponse{200, "text/plain", "", {}};
      }) {
  server_.start();
}

FakesmscWatcher::FakesmscWatcher(std::filesystem::path log) : log_(std::move(log)) {
  thread_ = std::thread([this] {
    while (running_) {
      poll();
      std::this_thread::sleep_for(std::chrono::milliseconds{2});
    }
  });
}

FakesmscWatcher::~FakesmscWatcher() {
  running_ = false;
  thread_.join();
}

void FakesmscWatcher::poll() {
  std::ifstream in(log_);
  std::string contents((std::istreambuf_iterator<char>(in)), {});
  const auto now = Steady::now();
  const auto sms = launch::parse_fakesmsc_log(contents);
  for (; seen_ < sms.size(); ++seen_) {
    pages_.note_request();
    for (const auto& page : pages_in(sms[seen_].text))
      if (!page.escalation) pages_.note(page.case_code, now);
  }
}

SelfTestTarget::SelfTestTarget(std::uint16_t gateway_port, int server_threads, int forwarders)
    : gateway_port_(gateway_port) {
  for (int i = 0; i < forwarders; ++i)
    forwarders_.emplace_back([this] {
      common::HttpClient gateway({"127.0.0.1", gateway_port_}, std::chrono::milliseconds{10000});
      for (;;) {
        std::string code;
        {
          std::unique_lock lock(mutex_);
          ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
          if (queue_.empty()) return;
          code = std::move(queue_.front());
          queue_.pop_front();
        }
        // What notify sends Kannel, in short.
        gateway.get(
            "/cgi-bin/sendsms?username=piket&password=x&to=%2B31600000000&text=piket+"
            "CODE+ROOD+zaak+" +
            code);
      }
    });
  server_ = std::make_unique<common::HttpServer>(
      common::HttpServerOptions{{"127.0.0.1", 0}, server_threads},
      [this](const common::HttpRequest&) {
        char code[16];
        std::snprintf(code, sizeof code, "C%08llu",
                      static_cast<unsigned long long>(next_.fetch_add(1) % 100000000));
        {
          std::lock_guard lock(mutex_);
          queue_.emplace_back(code);
        }
        ready_.notify_one();
        return common::HttpResponse{
            201,
            "application/json",
            std::string(R"({"incident_id":"I0","case_id":")") + code + R"(","status":"accepted"})",
            {}};
      });
  server_->start();
}

SelfTestTarget::~SelfTestTarget() {
  server_->stop();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& f : forwarders_) f.join();
}

}  // namespace piket::bench
