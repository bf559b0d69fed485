// SendLanes (piket/notify/gateway_lanes.hpp): a batch's sends over several
// gateway connections at once, no servers. Each job runs once, on one lane,
// with that lane's own gateway; a slow lane holds up only its own job; a job
// that throws ends only itself.
#include "piket/notify/gateway_lanes.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace piket::notify {
namespace {

using namespace std::chrono_literals;

// A gateway that only names itself (its lane).
class Named final : public SmsGateway {
 public:
  explicit Named(int n) : id(n) {}
  SendResult send(const OutgoingSms&) override { return {}; }
  const int id;
};

int lane_of(const Gateways& gw) {
  return static_cast<const Named*>(gw.sms)->id;
}

TEST(ThreadLanesTest, RunsEveryJobOnceEachLaneWithItsOwnGatewayMadeOnItsThread) {
  std::atomic<int> made{0};
  std::mutex mutex;
  std::set<std::thread::id> factory_threads;
  ThreadLanes lanes(3,
                    [&] {
                      std::lock_guard lock(mutex);
                      factory_threads.insert(std::this_thread::get_id());
                      return std::make_unique<Named>(made++);
                    },
                    {});
  EXPECT_EQ(lanes.width(), 3u);
  EXPECT_EQ(made.load(), 0) << "no connection before the first batch";
  for (int round = 0; round < 3; ++round) {
    std::vector<int> ran(40, 0);
    std::vector<int> lane(40, -1);
    std::vector<SendJob> jobs;
    for (std::size_t k = 0; k < ran.size(); ++k)
      jobs.push_back([&, k](const Gateways& gw) {
        ASSERT_NE(gw.sms, nullptr);
        EXPECT_EQ(gw.email, nullptr);
        lane[k] = lane_of(gw);
        std::lock_guard lock(mutex);
        ++ran[k];
      });
    lanes.run(jobs);
    for (std::size_t k = 0; k < ran.size(); ++k) {
      EXPECT_EQ(ran[k], 1) << k;
      EXPECT_GE(lane[k], 0);
      EXPECT_LT(lane[k], 3);
    }
  }
  // Each lane makes its connection when its thread starts; on a loaded
  // machine a lane's thread may start after the others have run every job
  // (seen under ctest -j2), so wait for it a while.
  for (int i = 0; i < 500 && made.load() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  EXPECT_EQ(made.load(), 3) << "one connection per lane, kept across batches";
  std::lock_guard lock(mutex);
  EXPECT_EQ(factory_threads.size(), 3u);
  EXPECT_EQ(factory_threads.count(std::this_thread::get_id()), 1u)
      << "the calling thread is one of the lanes";
  lanes.run({});  // an empty batch returns at once
}

// A batch of one send runs on the calling thread, with the caller's own
// connection: no other thread is started or woken for it (at low load every
// batch is one send, and a hand-off to a lane thread and back costs two
// context switches).
TEST(ThreadLanesTest, ABatchOfOneRunsOnTheCallingThreadAndStartsNoOther) {
  std::atomic<int> made{0};
  std::set<std::thread::id> factory_threads;
  ThreadLanes lanes(4,
                    [&] {
                      factory_threads.insert(std::this_thread::get_id());
                      return std::make_unique<Named>(made++);
                    },
                    {});
  for (int round = 0; round < 5; ++round) {
    std::thread::id ran_on;
    int lane = -1;
    lanes.run({[&](const Gateways& gw) {
      ran_on = std::this_thread::get_id();
      lane = lane_of(gw);
    }});
    EXPECT_EQ(ran_on, std::this_thread::get_id()) << round;
    EXPECT_EQ(lane, 0) << "the caller's connection, kept across batches";
  }
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(made.load(), 1) << "no lane thread made a connection: none was started";
  EXPECT_EQ(factory_threads, std::set<std::thread::id>{std::this_thread::get_id()});
}

// One lane hangs on its send until every other send is done: the others are
// taken by the free lanes meanwhile. (Sent one after the other, the batch
// would wait out the hung send first and the check below would fail.)
TEST(ThreadLanesTest, ASlowConnectionHoldsUpOnlyItsOwnSend) {
  ThreadLanes lanes(
      2, [n = std::make_shared<std::atomic<int>>(0)] { return std::make_unique<Named>((*n)++); },
      {});
  std::mutex mutex;
  std::condition_variable changed;
  int others_done = 0;
  bool slow_saw_the_others = false;
  std::atomic<bool> slow_taken{false};
  std::vector<SendJob> jobs;
  for (int k = 0; k < 9; ++k)
    jobs.push_back([&](const Gateways&) {
      std::unique_lock lock(mutex);
      if (!slow_taken.exchange(true)) {
        slow_saw_the_others = changed.wait_for(lock, 10s, [&] { return others_done == 8; });
        return;
      }
      ++others_done;
      changed.notify_all();
    });
  const auto started = std::chrono::steady_clock::now();
  lanes.run(jobs);
  EXPECT_TRUE(slow_saw_the_others);
  EXPECT_EQ(others_done, 8);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(ThreadLanesTest, AJobThatThrowsEndsOnlyItselfAndRunRethrowsAfterTheRest) {
  ThreadLanes lanes(2, [] { return std::make_unique<Named>(0); }, {});
  std::atomic<int> ran{0};
  std::vector<SendJob> jobs;
  for (int k = 0; k < 6; ++k)
    jobs.push_back([&, k](const Gateways&) {
      if (k == 1 || k == 4) throw std::runtime_error("lost " + std::to_string(k));
      ++ran;
    });
  EXPECT_THROW(lanes.run(jobs), std::runtime_error);
  EXPECT_EQ(ran.load(), 4);
  // The lanes live on.
  lanes.run({[&](const Gateways&) { ++ran; }});
  EXPECT_EQ(ran.load(), 5);
}

// A connection that could not be made (the factory threw) is made again
// before the lane's next job; the job that found none fails with the error.
TEST(ThreadLanesTest, AGatewayThatCouldNotBeMadeIsMadeAgainAndItsJobFails) {
  std::atomic<int> calls{0};
  ThreadLanes lanes(1,
                    [&]() -> std::unique_ptr<SmsGateway> {
                      if (calls++ < 2) throw std::runtime_error("no connection");
                      return std::make_unique<Named>(5);
                    },
                    {});
  bool ran = false;
  const std::vector<SendJob> job{[&](const Gateways& gw) { ran = lane_of(gw) == 5; }};
  EXPECT_THROW(lanes.run(job), std::runtime_error);  // at the start, then before the job
  EXPECT_FALSE(ran);
  lanes.run(job);
  EXPECT_TRUE(ran);
  EXPECT_EQ(calls.load(), 3);
}

TEST(InlineLanesTest, RunsTheJobsInOrderOnTheCallingThreadAndRethrowsAfterTheRest) {
  Named gateway(7);
  InlineLanes lanes({&gateway, nullptr});
  EXPECT_EQ(lanes.width(), 1u);
  std::vector<int> order;
  std::vector<SendJob> jobs;
  for (int k = 0; k < 4; ++k)
    jobs.push_back([&, k](const Gateways& gw) {
      EXPECT_EQ(lane_of(gw), 7);
      order.push_back(k);
      if (k == 2) throw std::runtime_error("crash");
    });
  EXPECT_THROW(lanes.run(jobs), std::runtime_error);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
}

}  // namespace
}  // namespace piket::notify
