// The open-loop poster against an in-process server on 127.0.0.1.

#include "poster.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "piket/common/http_server.hpp"
#include "piket/launch/ports.hpp"
#include "texts.hpp"

namespace piket::bench {
namespace {

using namespace std::chrono_literals;

struct Server {
  explicit Server(std::chrono::milliseconds delay = 0ms, int threads = 2)
      : server({{"127.0.0.1", 0}, threads}, [this, delay](const common::HttpRequest& r) {
          std::this_thread::sleep_for(delay);
          const auto n = ++count;
          last_body = r.body;
          last_auth = std::string(r.header("authorization"));
          return common::HttpResponse{
              201,
              "application/json",
              R"({"incident_id":"I1","case_id":"C)" + std::to_string(10000000 + n) + R"("})",
              {}};
        }) {
    server.start();
  }
  std::atomic<int> count{0};
  std::string last_body, last_auth;
  common::HttpServer server;
};

PosterOptions options(std::uint16_t port, double rate, std::size_t total, int connections,
                      int threads) {
  PosterOptions o;
  o.ports = {port};
  o.target = "/v1/incidents";
  o.headers = {{"Authorization", "Bearer t"}};
  o.rate = rate;
  o.total = total;
  o.connections = connections;
  o.max_connections = connections;  // none added unless a test says so
  o.threads = threads;
  o.lead = 50ms;
  return o;
}

const KeyOf kCaseKey = [](std::size_t, int status, std::string_view body) {
  return status == 201 ? case_id_in_answer(body) : std::string{};
};

TEST(BenchPoster, PostsEveryRequestOnItsScheduleOverKeepAlive) {
  Server s;
  const auto run = post_open_loop(
      options(s.server.port(), 1000, 200, 4, 2),
      [](std::size_t k) { return "{\"k\":" + std::to_string(k) + "}"; }, kCaseKey);
  const auto& samples = run.samples;
  ASSERT_EQ(samples.size(), 200u);
  EXPECT_EQ(s.count.load(), 200);
  EXPECT_EQ(s.last_auth, "Bearer t");
  std::set<std::string> keys;
  for (std::size_t k = 0; k < samples.size(); ++k) {
    const auto& x = samples[k];
    EXPECT_EQ(x.status, 201) << k;
    EXPECT_GE(x.sent, x.due) << k;
    EXPECT_GE(x.answered, x.sent) << k;
    keys.insert(x.key);
    // Request k is due k ms after request 0 at 1000/s.
    using Ms = std::chrono::duration<double, std::milli>;
    EXPECT_NEAR(Ms(x.due - samples[0].due).count(), static_cast<double>(k), 0.01);
  }
  EXPECT_EQ(keys.size(), 200u);
}

TEST(BenchPoster, ASlowServerDoesNotSlowTheScheduleUntilEveryConnectionIsBusy) {
  // 50 ms answers, 20 requests 10 ms apart: one connection cannot keep up (they queue and
  // are marked as waiting); eight can.
  {
    Server s(50ms, 1);
    const auto run = post_open_loop(
        options(s.server.port(), 100, 20, 1, 1), [](std::size_t) { return std::string("{}"); },
        kCaseKey);
    std::size_t waited = 0;
    for (const auto& x : run.samples) {
      EXPECT_EQ(x.status, 201);
      waited += x.waited;
    }
    EXPECT_GT(waited, 10u);
    EXPECT_GT(run.samples.back().sent - run.samples.back().due, 500ms);
    EXPECT_EQ(run.connections, 1u);
  }
  {
    // Eight connections for 20 ms answers at 100/s: four times what is needed, so none waits
    // even on a loaded machine. (How late each went is timing, and not asserted here.)
    Server s(20ms, 8);
    const auto run = post_open_loop(
        options(s.server.port(), 100, 20, 8, 2), [](std::size_t) { return std::string("{}"); },
        kCaseKey);
    for (const auto& x : run.samples) {
      EXPECT_EQ(x.status, 201);
      EXPECT_FALSE(x.waited);
    }
    EXPECT_EQ(run.connections, 8u);
  }
}

TEST(BenchPoster, OpensMoreConnectionsWhenEveryOneIsBusy) {
  // One connection at the start, up to 32 for 20 requests: the 50 ms answers need about five
  // on a quiet machine, more on a loaded one, and never more than there are requests. As the
  // maximum is not reached, no request waits for a connection, whatever the machine's load.
  Server s(50ms, 32);
  auto o = options(s.server.port(), 100, 20, 1, 1);
  o.max_connections = 32;
  const auto run = post_open_loop(
      o, [](std::size_t) { return std::string("{}"); }, kCaseKey);
  for (const auto& x : run.samples) {
    EXPECT_EQ(x.status, 201);
    EXPECT_FALSE(x.waited);
  }
  EXPECT_GT(run.connections, 1u);
  EXPECT_LE(run.connections, 20u);
}

TEST(BenchPoster, NoServerIsAnErrorAtTheStart) {
  const auto port = launch::free_tcp_port();
  EXPECT_THROW(
      post_open_loop(
          options(port, 100, 5, 2, 1), [](std::size_t) { return std::string("{}"); }, kCaseKey),
      std::runtime_error);
}

}  // namespace
}  // namespace piket::bench
