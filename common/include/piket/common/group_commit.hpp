#pragma once
// Group commit: callers on several threads each hand over one item and wait for its result;
// whichever caller finds no write in progress becomes the writer and writes every item waiting
// at that moment with one call (one script, one pipeline: one fsync and one replica WAIT shared
// by the batch), then hands each caller its result. No timer: a caller alone is written at
// once, and a batch is whatever arrived while the previous one was written (issue 14:
// "a batch is whatever is waiting, not a timer"). At most `max_batch` items per write; the
// rest wait for the next.
//
// `write` gets the batch in arrival order and returns one result per item, in the same order;
// if it throws, every caller of that batch gets the exception (nothing of the batch is
// reported done). It runs on a caller's thread, never two at once.
//
// Why not a library: the pattern is a dozen lines over std::mutex/condition_variable; the
// candidates (a thread pool, Asio strands) would add a thread hop for every caller.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace piket::common {

template <typename In, typename Out>
class GroupCommit {
 public:
  using Write = std::function<std::vector<Out>(const std::vector<In>&)>;

  explicit GroupCommit(Write write, std::size_t max_batch = 256)
      : write_(std::move(write)), max_batch_(max_batch == 0 ? 1 : max_batch) {}

  Out submit(In item) {
    Slot slot{std::move(item)};
    std::unique_lock lock(mutex_);
    waiting_.push_back(&slot);
    while (!slot.done) {
      if (writing_) {
        done_.wait(lock);
        continue;
      }
      writing_ = true;
      std::vector<Slot*> batch;
      while (!waiting_.empty() && batch.size() < max_batch_) {
        batch.push_back(waiting_.front());
        waiting_.pop_front();
      }
      lock.unlock();
      run(batch);
      lock.lock();
      writing_ = false;
      ++batches_;
      for (auto* s : batch) s->done = true;
      done_.notify_all();
    }
    if (slot.error) std::rethrow_exception(slot.error);
    return std::move(*slot.result);
  }

  // Callers waiting for a write to take them (for tests and metrics).
  std::size_t waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_.size();
  }

  // Writes so far (for tests and metrics).
  std::size_t batches() const {
    std::lock_guard lock(mutex_);
    return batches_;
  }

 private:
  struct Slot {
    In item;
    std::optional<Out> result{};
    std::exception_ptr error{};
    bool done = false;
  };

  void run(const std::vector<Slot*>& batch) {
    std::vector<In> items;
    items.reserve(batch.size());
    for (auto* s : batch) items.push_back(s->item);
    try {
      auto out = write_(items);
      if (out.size() != batch.size())
        throw std::logic_error("group commit: the write returned a result count unlike its batch");
      for (std::size_t k = 0; k < batch.size(); ++k) batch[k]->result = std::move(out[k]);
    } catch (...) {
      for (auto* s : batch) s->error = std::current_exception();
    }
  }

  Write write_;
  const std::size_t max_batch_;
  mutable std::mutex mutex_;
  std::condition_variable done_;
  std::deque<Slot*> waiting_;
  bool writing_ = false;
  std::size_t batches_ = 0;
};

}  // namespace piket::common
