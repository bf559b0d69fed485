// GroupCommit: whatever waits while a write runs goes in the next write, as one batch; a caller
// alone is written at once; a failed write fails every caller of its batch and no other.
#include "piket/common/group_commit.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace piket::common {
namespace {

using namespace std::chrono_literals;

// A write that can be held (the test decides when it returns) and records its batches.
class HeldWrite {
 public:
  std::vector<std::string> operator()(const std::vector<int>& items) {
    std::unique_lock lock(mutex_);
    batches_.push_back(items);
    ++entered_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return !held_; });
    if (fail_next_) {
      fail_next_ = false;
      throw std::runtime_error("store down");
    }
    std::vector<std::string> out;
    for (int i : items) out.push_back("r" + std::to_string(i));
    return out;
  }
  void hold() { set_held(true); }
  void release() { set_held(false); }
  void fail_next() {
    std::lock_guard lock(mutex_);
    fail_next_ = true;
  }
  // Waits (bounded) until `n` writes have begun.
  bool wait_entered(int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 5s, [&] { return entered_ >= n; });
  }
  std::vector<std::vector<int>> batches() {
    std::lock_guard lock(mutex_);
    return batches_;
  }

 private:
  void set_held(bool h) {
    std::lock_guard lock(mutex_);
    held_ = h;
    changed_.notify_all();
  }
  std::mutex mutex_;
  std::condition_variable changed_;
  bool held_ = false, fail_next_ = false;
  int entered_ = 0;
  std::vector<std::vector<int>> batches_;
};

// Waits (bounded) until `n` callers are parked behind the running write.
template <typename G>
bool parked(const G& g, std::size_t n) {
  for (int k = 0; k < 5000 && g.waiting() < n; ++k) std::this_thread::sleep_for(1ms);
  return g.waiting() == n;
}

using Futures = std::vector<std::future<std::string>>;

// Item 0's write begins and is held; items 1…n are handed over meanwhile and park behind it.
// Returns the n+1 callers' futures (0 first). The write is still held.
Futures submit_behind_a_held_write(GroupCommit<int, std::string>& g, HeldWrite& w, int n) {
  Futures f;
  w.hold();
  f.push_back(std::async(std::launch::async, [&g] { return g.submit(0); }));
  if (!w.wait_entered(1)) throw std::runtime_error("the first write did not begin");
  for (int k = 1; k <= n; ++k)
    f.push_back(std::async(std::launch::async, [&g, k] { return g.submit(k); }));
  if (!parked(g, static_cast<std::size_t>(n))) throw std::runtime_error("callers did not park");
  return f;
}

TEST(GroupCommitTest, ACallerAloneIsWrittenAtOnceWithItsOwnResult) {
  HeldWrite w;
  GroupCommit<int, std::string> g([&](const std::vector<int>& v) { return w(v); });
  EXPECT_EQ(g.submit(7), "r7");
  EXPECT_EQ(g.submit(8), "r8");
  EXPECT_EQ(g.batches(), 2u);
  EXPECT_EQ(w.batches(), (std::vector<std::vector<int>>{{7}, {8}}));
}

TEST(GroupCommitTest, WhatArrivesDuringAWriteGoesInTheNextWriteAsOneBatch) {
  HeldWrite w;
  GroupCommit<int, std::string> g([&](const std::vector<int>& v) { return w(v); });
  auto f = submit_behind_a_held_write(g, w, 5);
  w.release();
  for (int k = 0; k <= 5; ++k) EXPECT_EQ(f[k].get(), "r" + std::to_string(k));
  const auto b = w.batches();
  ASSERT_EQ(b.size(), 2u) << "the five that waited share one write";
  EXPECT_EQ(b[0], std::vector<int>{0});
  EXPECT_EQ(b[1].size(), 5u);
}

TEST(GroupCommitTest, ABatchIsCutAtItsMaximum) {
  HeldWrite w;
  GroupCommit<int, std::string> g([&](const std::vector<int>& v) { return w(v); }, 2);
  auto f = submit_behind_a_held_write(g, w, 5);
  w.release();
  for (auto& one : f) one.get();
  const auto b = w.batches();
  ASSERT_EQ(b.size(), 4u);  // {0}, then five in batches of at most two
  for (std::size_t k = 1; k < b.size(); ++k) EXPECT_LE(b[k].size(), 2u);
}

TEST(GroupCommitTest, AFailedWriteFailsItsWholeBatchAndOnlyIt) {
  HeldWrite w;
  GroupCommit<int, std::string> g([&](const std::vector<int>& v) { return w(v); });
  auto f = submit_behind_a_held_write(g, w, 2);
  w.fail_next();  // the first write (of 0) fails
  w.release();
  EXPECT_THROW(f[0].get(), std::runtime_error);
  EXPECT_EQ(f[1].get(), "r1");
  EXPECT_EQ(f[2].get(), "r2");
  // A write that returns the wrong number of results fails its callers too.
  GroupCommit<int, std::string> wrong(
      [](const std::vector<int>&) { return std::vector<std::string>{}; });
  EXPECT_THROW(wrong.submit(1), std::logic_error);
}

TEST(GroupCommitTest, ManyThreadsEachGetTheirOwnResultAndWritesNeverOverlap) {
  std::atomic<int> inside{0}, overlap{0};
  GroupCommit<int, int> g([&](const std::vector<int>& v) {
    if (inside.fetch_add(1) != 0) overlap.fetch_add(1);
    std::this_thread::sleep_for(1ms);
    std::vector<int> out;
    for (int i : v) out.push_back(i * 2);
    inside.fetch_sub(1);
    return out;
  });
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int k = 0; k < 200; ++k)
        if (g.submit(t * 1000 + k) != 2 * (t * 1000 + k)) wrong.fetch_add(1);
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(overlap.load(), 0);
  EXPECT_LT(g.batches(), 1600u) << "eight threads at once must share some writes";
}

}  // namespace
}  // namespace piket::common
