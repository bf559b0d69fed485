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
  std::condition_variable work;  // a batch came, or stopping
  std::condition_variable done;  // the batch's last job ended
  // The batch under way (guarded by mutex): its jobs, the next one to take,
  // how many are still running or waiting, the first exception.
  const std::vector<SendJob>* jobs = nullptr;
  std::size_t next = 0;
  std::size_t left = 0;
  std::exception_ptr first;
  bool stopping = false;
  std::vector<std::thread> threads;  // started by the first run()

  void lane() {
    // This lane's own connections, made on its thread when it starts (again
    // before the next job if making one threw: that job fails as if it threw).
    std::unique_ptr<SmsGateway> sms;
    std::unique_ptr<EmailGateway> email;
    bool made = false;
    const auto make = [&] {
      if (sms_factory && !sms) sms = sms_factory();
      if (email_factory && !email) email = email_factory();
      made = true;
    };
    try {
      make();
    } catch (...) {
      // Tried again before the next job.
    }
    std::unique_lock lock(mutex);
    for (;;) {
      work.wait(lock, [&] { return stopping || (jobs && next < jobs->size()); });
      if (stopping) return;
      const auto& job = (*jobs)[next++];
      lock.unlock();
      std::exception_ptr failed;
      try {
        if (!made) make();
        job(Gateways{sms.get(), email.get()});
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
  }
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
  std::unique_lock lock(i.mutex);
  if (i.threads.empty())
    for (std::size_t n = 0; n < i.count; ++n) i.threads.emplace_back([&i] { i.lane(); });
  i.jobs = &jobs;
  i.next = 0;
  i.left = jobs.size();
  i.first = nullptr;
  i.work.notify_all();
  i.done.wait(lock, [&] { return i.left == 0; });
  if (auto e = std::exchange(i.first, nullptr)) std::rethrow_exception(e);
}

}  // namespace piket::notify
