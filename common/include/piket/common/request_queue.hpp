#pragma once
// The requests waiting for an HttpServer's request threads, and those threads (issue 13).
//
// The server's I/O thread reads a request and pushes a job; one of `threads` request threads
// runs it. The queue is bounded two ways, so that a client gets a prompt "busy" answer instead
// of waiting until its own timeout behind requests that cannot be served (ingest's threads all
// blocked on a replica's WAIT during a failover):
// - depth: a push while `max_waiting` jobs already wait is refused (`full`);
// - age (with a clock and `max_wait` > 0): a push while the oldest waiting job has waited
//   longer than `max_wait` is refused (`stale`: the threads are stuck), and a job that waited
//   longer than `max_wait` before a thread took it runs with `late` set — its caller answers
//   busy without handling it (its client may well have given up).
// A refused or late job has changed nothing. Thread-safe.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "piket/common/clock.hpp"

namespace piket::common {

struct RequestQueueLimits {
  // At least 1. The default bounds the memory a flood can take (each waiting request holds at
  // most the server's max_body) while shedding almost never; ingest sets its own, small bound.
  std::size_t max_waiting = 1024;
  Millis max_wait{0};            // 0: no bound on the age
  const Clock* clock = nullptr;  // needed for max_wait; not set: no bound on the age
};

class RequestQueue {
 public:
  // Runs on a request thread; `late`: it waited longer than max_wait.
  using Job = std::function<void(bool late)>;
  enum class Admit { queued, full, stale };
  struct Load {
    std::size_t busy = 0;     // jobs running on a request thread
    std::size_t waiting = 0;  // jobs waiting for one
  };

  // Starts `threads` request threads (at least 1).
  RequestQueue(RequestQueueLimits limits, int threads);
  ~RequestQueue();
  RequestQueue(const RequestQueue&) = delete;
  RequestQueue& operator=(const RequestQueue&) = delete;

  // Queues the job, or refuses it (and drops it) when a bound is reached.
  Admit push(Job job);
  // Lets the running jobs finish, drops the waiting ones, joins the threads.
  void stop();
  Load load() const;

 private:
  struct Waiting {
    Job job;
    Instant since;
  };
  void work();
  bool too_old(Instant since) const;

  const RequestQueueLimits limits_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Waiting> waiting_;
  std::size_t busy_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace piket::common
