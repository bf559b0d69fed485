// Issue 13: the HttpServer's request threads and the ops thread apart, and load shedding
// (common/request_queue.hpp, common/http_server.hpp). Over loopback, no external servers.
// Bounds in time are the HTTP client's timeouts: an answer that came in time came at all.
#include <gtest/gtest.h>

#include <boost/algorithm/string/predicate.hpp>
#include <boost/json.hpp>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "piket/common/http_client.hpp"
#include "piket/common/http_server.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/request_queue.hpp"

namespace piket::common {
namespace {

using namespace std::chrono_literals;

// A gate the test opens: whatever waits at it is blocked until then. Counts who arrived.
class Gate {
 public:
  void wait() {
    std::unique_lock lock(mutex_);
    ++arrived_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  // Waits (bounded) until `n` arrived.
  bool arrived(int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return arrived_ >= n; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int arrived_ = 0;
  bool open_ = false;
};

// Polls `load` (bounded) until it says `busy` running and `waiting` waiting.
template <typename Loaded>
bool load_reaches(Loaded&& load, std::size_t busy, std::size_t waiting) {
  for (int i = 0; i < 1000; ++i) {
    const auto l = load();
    if (l.busy == busy && l.waiting == waiting) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

std::string error_code(const std::string& body) {
  return std::string(boost::json::parse(body).at("error").at("code").as_string());
}

std::string header(const HttpResult& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (boost::iequals(k, name)) return v;
  return {};
}

// ------------------------------------------------------------ RequestQueue

TEST(RequestQueueTest, APushWhileTheBoundWaitsIsRefusedAndTheQueuedOnesRunInOrder) {
  RequestQueue queue({2, 0ms, nullptr}, 1);
  Gate gate;
  std::mutex mutex;
  std::vector<std::string> ran;
  auto job = [&](std::string name) {
    return [&, name](bool late) {
      if (name == "first") gate.wait();
      std::lock_guard lock(mutex);
      ran.push_back(name + (late ? " late" : ""));
    };
  };
  ASSERT_EQ(queue.push(job("first")), RequestQueue::Admit::queued);
  ASSERT_TRUE(gate.arrived(1));
  EXPECT_EQ(queue.push(job("second")), RequestQueue::Admit::queued);
  EXPECT_EQ(queue.push(job("third")), RequestQueue::Admit::queued);
  EXPECT_EQ(queue.load().busy, 1u);
  EXPECT_EQ(queue.load().waiting, 2u);
  EXPECT_EQ(queue.push(job("fourth")), RequestQueue::Admit::full);
  gate.open();
  ASSERT_TRUE(load_reaches([&] { return queue.load(); }, 0, 0));
  std::lock_guard lock(mutex);
  EXPECT_EQ(ran, (std::vector<std::string>{"first", "second", "third"}));
}

TEST(RequestQueueTest, WaitingLongerThanTheBoundRefusesNewOnesAndMakesTheOldOneLate) {
  SimulatedClock clock(Instant{Millis{1'000'000}});
  RequestQueue queue({100, 1000ms, &clock}, 1);
  Gate gate;
  std::promise<bool> waited;
  ASSERT_EQ(queue.push([&](bool) { gate.wait(); }), RequestQueue::Admit::queued);
  ASSERT_TRUE(gate.arrived(1));
  ASSERT_EQ(queue.push([&](bool late) { waited.set_value(late); }), RequestQueue::Admit::queued);
  clock.advance(1000ms);  // at the bound, not over it
  EXPECT_EQ(queue.push([](bool) {}), RequestQueue::Admit::queued);
  clock.advance(1ms);
  EXPECT_EQ(queue.push([](bool) {}), RequestQueue::Admit::stale);
  gate.open();
  auto late = waited.get_future();
  ASSERT_EQ(late.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(late.get());
  ASSERT_TRUE(load_reaches([&] { return queue.load(); }, 0, 0));
  // The queue empty, a new one is taken and is not late.
  std::promise<bool> fresh;
  ASSERT_EQ(queue.push([&](bool l) { fresh.set_value(l); }), RequestQueue::Admit::queued);
  EXPECT_FALSE(fresh.get_future().get());
}

TEST(RequestQueueTest, StopDropsTheWaitingJobsAndWhatTheyHold) {
  auto queue = std::make_unique<RequestQueue>(RequestQueueLimits{10, 0ms, nullptr}, 1);
  Gate gate;
  auto held = std::make_shared<int>(7);
  ASSERT_EQ(queue->push([&](bool) { gate.wait(); }), RequestQueue::Admit::queued);
  ASSERT_TRUE(gate.arrived(1));
  bool ran = false;
  ASSERT_EQ(queue->push([&ran, held](bool) { ran = true; }), RequestQueue::Admit::queued);
  EXPECT_EQ(held.use_count(), 2);
  std::thread opener([&] {
    std::this_thread::sleep_for(50ms);
    gate.open();
  });
  queue->stop();  // waits for the running job, drops the waiting one
  opener.join();
  EXPECT_FALSE(ran);
  EXPECT_EQ(held.use_count(), 1);
  EXPECT_EQ(queue->push([](bool) {}), RequestQueue::Admit::full);
}

// ------------------------------------------------------------ HttpServer

// A server whose handler blocks every request at a gate, except /healthz, /readyz and /metrics.
class BlockedServerTest : public ::testing::Test {
 protected:
  void start(HttpServerOptions options) {
    server_ = std::make_unique<HttpServer>(std::move(options), [this](const HttpRequest& r) {
      if (r.path == "/healthz") return HttpResponse{200, "application/json", R"({"ok":1})", {}};
      if (r.path == "/readyz") return HttpResponse{200, "application/json", R"({"ready":1})", {}};
      if (r.path == "/metrics") return HttpResponse{200, "text/plain", metrics_.render(), {}};
      gate_.wait();
      {
        std::lock_guard lock(mutex_);
        handled_.push_back(r.path);
      }
      return HttpResponse{201, "application/json", R"({"done":")" + r.path + "\"}", {}};
    });
    server_->start();
  }
  ~BlockedServerTest() override {
    gate_.open();
    for (auto& t : clients_) t.join();
  }

  HostPort address() const { return {"127.0.0.1", server_->port()}; }

  // A client on a thread of its own whose answer comes later.
  std::shared_future<HttpResult> post_in_background(const std::string& path) {
    auto answer = std::make_shared<std::promise<HttpResult>>();
    std::shared_future<HttpResult> result = answer->get_future().share();
    clients_.emplace_back([this, path, answer] {
      HttpClient client(address(), 20s);
      answer->set_value(client.post(path, "application/json", "{}"));
    });
    return result;
  }
  bool load_reaches(std::size_t busy, std::size_t waiting) {
    return common::load_reaches([this] { return server_->load(); }, busy, waiting);
  }
  // One request thread, counting its sheds: /a blocked on it, /b waiting.
  std::pair<std::shared_future<HttpResult>, std::shared_future<HttpResult>>
  start_with_one_blocked_and_one_waiting(HttpServerOptions o) {
    o.threads = 1;
    o.metrics = &metrics_;
    start(std::move(o));
    auto a = post_in_background("/a");
    EXPECT_TRUE(gate_.arrived(1));
    auto b = post_in_background("/b");
    EXPECT_TRUE(load_reaches(1, 1));
    return {a, b};
  }

  std::vector<std::string> handled() {
    std::lock_guard lock(mutex_);
    return handled_;
  }

  Metrics metrics_{"lanes-test"};
  Gate gate_;
  std::mutex mutex_;
  std::vector<std::string> handled_;
  std::vector<std::thread> clients_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(BlockedServerTest, HealthReadinessAndMetricsAreAnsweredWhileEveryRequestThreadIsBlocked) {
  start({{"127.0.0.1", 0}, 2});
  auto a = post_in_background("/a");
  auto b = post_in_background("/b");
  auto c = post_in_background("/c");
  ASSERT_TRUE(gate_.arrived(2));
  ASSERT_TRUE(load_reaches(2, 1));  // both request threads blocked, one more request waiting

  HttpClient ops(address(), 500ms);  // the bound: an answer within half a second
  for (int i = 0; i < 20; ++i) {
    const auto health = ops.get("/healthz");
    ASSERT_TRUE(health.ok()) << "request " << i << ": " << health.error;
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.body, R"({"ok":1})");
  }
  EXPECT_EQ(ops.get("/readyz").body, R"({"ready":1})");
  EXPECT_EQ(ops.get("/metrics").status, 200);
  // Any other request waits for a request thread, as before.
  HttpClient other(address(), 300ms);
  EXPECT_FALSE(other.get("/healthz/not").ok());
  EXPECT_FALSE(other.post("/healthz", "application/json", "{}").ok());

  gate_.open();
  for (auto* f : {&a, &b, &c}) {
    ASSERT_EQ(f->wait_for(10s), std::future_status::ready);
    EXPECT_EQ(f->get().status, 201) << f->get().error;
  }
}

TEST_F(BlockedServerTest, OverTheQueueBoundTheAnswerIs503OverloadedAtOnceAndCounted) {
  HttpServerOptions o{{"127.0.0.1", 0}};
  o.queue = {1, 0ms, nullptr};
  auto [a, b] = start_with_one_blocked_and_one_waiting(std::move(o));

  HttpClient client(address(), 500ms);
  const auto shed = client.post("/c", "application/json", "{}");
  ASSERT_TRUE(shed.ok()) << shed.error;
  EXPECT_EQ(shed.status, 503);
  EXPECT_EQ(error_code(shed.body), "overloaded");
  EXPECT_EQ(header(shed, "Retry-After"), "1");
  // The connection stays usable, and the ops thread still answers.
  EXPECT_EQ(client.get("/healthz").status, 200);
  const auto text = client.get("/metrics").body;
  EXPECT_NE(
      text.find(R"(piket_http_requests_shed_total{service="lanes-test",reason="queue_full"} 1)"),
      std::string::npos)
      << text;

  gate_.open();
  EXPECT_EQ(a.get().status, 201);
  EXPECT_EQ(b.get().status, 201);
  // /c never reached the handler.
  EXPECT_EQ(handled(), (std::vector<std::string>{"/a", "/b"}));
  const auto again = client.post("/c", "application/json", "{}");
  EXPECT_EQ(again.status, 201) << again.error;
}

TEST_F(BlockedServerTest, ARequestThatWaitedLongerThanTheBoundIsAnswered503Unhandled) {
  SimulatedClock clock(Instant{Millis{1'000'000}});
  HttpServerOptions o{{"127.0.0.1", 0}};
  o.queue = {100, 1000ms, &clock};
  auto [a, b] = start_with_one_blocked_and_one_waiting(std::move(o));
  clock.advance(1500ms);
  HttpClient client(address(), 500ms);
  const auto stale = client.post("/c", "application/json", "{}");
  EXPECT_EQ(stale.status, 503) << stale.error;
  gate_.open();
  EXPECT_EQ(a.get().status, 201);
  const auto late = b.get();
  EXPECT_EQ(late.status, 503);
  EXPECT_EQ(error_code(late.body), "overloaded");
  EXPECT_EQ(header(late, "Retry-After"), "1");
  const auto text = client.get("/metrics").body;
  EXPECT_NE(
      text.find(R"(piket_http_requests_shed_total{service="lanes-test",reason="queue_wait"} 2)"),
      std::string::npos)
      << text;
  EXPECT_EQ(handled(), std::vector<std::string>{"/a"});
}

}  // namespace
}  // namespace piket::common
