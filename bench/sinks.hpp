#pragma once
// Where piket-bench sees deliveries arrive, and the trivial target of --self-test:
// - FakeGateway answers like Kannel's sendsms (202 "0: Accepted for delivery") and notes each
//   case's page (escalations apart);
// - Webhook answers Alertmanager's webhook calls (200) and notes each bench id;
// - FakesmscWatcher reads fakesmsc's log when the gateway is real Kannel;
// - SelfTestTarget answers every POST at once with 201 and a fresh case code, and sends that
//   code to a FakeGateway from a few threads of its own: the whole path the bench measures with
//   nothing in between, to show what the harness itself reaches.
// Each notes the arrival time first, before any parsing.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "piket/common/http_server.hpp"
#include "run.hpp"

namespace piket::bench {

class FakeGateway {
 public:
  // port 0: a free one (see port()).
  FakeGateway(std::uint16_t port, int threads);
  std::uint16_t port() const { return server_.port(); }
  Arrivals& pages() { return pages_; }
  Arrivals& escalations() { return escalations_; }

 private:
  Arrivals pages_, escalations_;
  common::HttpServer server_;
};

class Webhook {
 public:
  Webhook(std::uint16_t port, int threads);
  std::uint16_t port() const { return server_.port(); }
  Arrivals& alerts() { return alerts_; }

 private:
  Arrivals alerts_;
  common::HttpServer server_;
};

class FakesmscWatcher {
 public:
  explicit FakesmscWatcher(std::filesystem::path log);
  ~FakesmscWatcher();
  FakesmscWatcher(const FakesmscWatcher&) = delete;
  FakesmscWatcher& operator=(const FakesmscWatcher&) = delete;
  Arrivals& pages() { return pages_; }

 private:
  void poll();
  std::filesystem::path log_;
  std::size_t seen_ = 0;
  Arrivals pages_;
  std::atomic<bool> running_{true};
  std::thread thread_;
};

class SelfTestTarget {
 public:
  SelfTestTarget(std::uint16_t gateway_port, int server_threads, int forwarders);
  ~SelfTestTarget();
  SelfTestTarget(const SelfTestTarget&) = delete;
  SelfTestTarget& operator=(const SelfTestTarget&) = delete;
  std::uint16_t port() const { return server_->port(); }

 private:
  std::uint16_t gateway_port_;
  std::atomic<std::uint64_t> next_{1};
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::string> queue_;
  bool stopping_ = false;
  std::vector<std::thread> forwarders_;
  std::unique_ptr<common::HttpServer> server_;
};

}  // namespace piket::bench
