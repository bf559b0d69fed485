#pragma once
// Test support for "two instances of every service" (docs/availability.md): runs one function
// per instance, each on its own thread, released together so that their work overlaps (both
// read what is due before either writes). Header only.
//
//   test::race(2, [&](int instance) { shells[instance]->run_due(); });
//   test::race_rounds(2, 50, [&](int instance, int round) { … });  // 50 rounds, each overlapping

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace piket::test {

// Runs fn(0) … fn(n - 1) on n threads started at the same moment; rethrows the first exception.
inline void race(int n, const std::function<void(int)>& fn) {
  std::mutex mutex;
  std::condition_variable go;
  int ready = 0;
  bool released = false;
  std::exception_ptr failed;
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      {
        std::unique_lock lock(mutex);
        if (++ready == n) {
          released = true;
          go.notify_all();
        }
        go.wait(lock, [&] { return released; });
      }
      try {
        fn(i);
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!failed) failed = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  if (failed) std::rethrow_exception(failed);
}

// `rounds` races one after the other: fn(instance, round).
inline void race_rounds(int n, int rounds, const std::function<void(int, int)>& fn) {
  for (int r = 0; r < rounds; ++r) race(n, [&](int i) { fn(i, r); });
}

}  // namespace piket::test
