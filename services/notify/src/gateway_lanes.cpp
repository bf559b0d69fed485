#include "piket/notify/gateway_lanes.hpp"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

namespace piket::notify {

void InlineLanes::run(const std::vector<SendJob>& jobs) {
  std::exception_ptr first;
  for (const auto& job : jobs) {
    try {
      job(gateways_);
    } catch (...) {
      if (!first) first = std::current_exception();
    }
  }
  if (first) std::rethrow_exception(first);
}

struct ThreadLanes::Impl {
  std::size_t count;
  GatewayFactory sms_factory;
  EmailGatewayFactory email_factory;

  std::mutex mutex;
  std::condition_variable work;  // a batch of more than one job came, or stopping
  std::condition_variable done;  // the batch's last job ended
  // The batch under way (guarded by mutex): its jobs, the next one to take,
  // how many are still running or waiting, the first exception.
  const std::vector<SendJob>* jobs = nullptr;
  std::size_t next = 0;
  std::size_t left = 0;
  std::exception_ptr first;
  bool stopping = false;
  std::vector<std::thread> threads;  // count - 1, started by the first batch of more than one

  // One lane's own connections, made on the thread that uses them (again
  // before the next job if making one threw: that job fails as if it threw).
  struct Lane {
    std::unique_ptr<SmsGateway> sms;
    std::unique_ptr<EmailGateway> email;
    bool made = false;
  };
  void make(Lane& l) {
    if (sms_factory && !l.sms) l.sms = sms_factory();
    if (email_factory && !l.email) l.email = email_factory();
    l.made = true;
  }
  void try_make(Lane& l) {
    try {
      make(l);
    } catch (...) {
      // Tried again before the next job.
    }
  }
  // Takes and runs the next job of the batch (the lock held on entry and on return).
  void run_next(std::unique_lock<std::mutex>& lock, Lane& l) {
    const auto& job = (*jobs)[next++];
    lock.unlock();
    std::exception_ptr failed;
    try {
      if (!l.made) make(l);
      job(Gateways{l.sms.get(), l.email.get()});
    } catch (...) {
      failed = std::current_exception();
    }
    lock.lock();
    if (failed && !first) first = failed;
    if (--left == 0) {
      jobs = nullptr;
      done.notify_all();
    }
  }

  void lane() {
    Lane l;
    try_make(l);
    std::unique_lock lock(mutex);
    for (;;) {
      work.wait(lock, [&] { return stopping || (jobs && next < jobs->size()); });
      if (stopping) return;
      run_next(lock, l);
    }
  }

  // The calling thread's lane: the caller is one of the `count` lanes, so a
  // batch of one send goes out on it, without a hand-off to another thread
  // and back (two context switches per batch at low load).
  Lane caller;
  bool caller_started = false;
};

ThreadLanes::ThreadLanes(std::size_t count, GatewayFactory sms, EmailGatewayFactory email)
    : impl_(std::make_unique<Impl>()) {
  impl_->count = std::max<std::size_t>(1, count);
  impl_->sms_factory = std::move(sms);
  impl_->email_factory = std::move(email);
}

ThreadLanes::~ThreadLanes() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->work.notify_all();
  for (auto& t : impl_->threads) t.join();
}

std::size_t ThreadLanes::width() const {
  return impl_->count;
}

void ThreadLanes::run(const std::vector<SendJob>& jobs) {
  if (jobs.empty()) return;
  auto& i = *impl_;
  if (!i.caller_started) {
    i.caller_started = true;
    i.try_make(i.caller);
  }
  std::unique_lock lock(i.mutex);
  const bool others = jobs.size() > 1 && i.count > 1;
  if (others && i.threads.empty())
    for (std::size_t n = 1; n < i.count; ++n) i.threads.emplace_back([&i] { i.lane(); });
  i.jobs = &jobs;
  i.next = 0;
  i.left = jobs.size();
  i.first = nullptr;
  if (others) i.work.notify_all();
  while (i.jobs && i.next < jobs.size()) i.run_next(lock, i.caller);
  i.done.wait(lock, [&] { return i.left == 0; });
  if (auto e = std::exchange(i.first, nullptr)) std::rethrow_exception(e);
}

}  // namespace piket::notify
