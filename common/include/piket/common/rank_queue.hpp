#pragma once
// A queue ordered by rank, first in first out within one rank: the
// InboxReceiver's queue of messages waiting for a worker (messaging.hpp). A
// lower rank is taken first, so an urgent message that arrives behind a
// backlog of routine ones is handled before them. Not thread-safe (the
// receiver holds its lock around it).

#include <cstddef>
#include <deque>
#include <map>
#include <utility>
#include <vector>

namespace piket::common {

template <typename T>
class RankQueue {
 public:
  void push(int rank, T item) {
    queues_[rank].push_back(std::move(item));
    ++size_;
  }

  // Up to `max` items (at least one when not empty), lowest rank first and in
  // arrival order within a rank.
  std::vector<T> take(std::size_t max) {
    std::vector<T> out;
    if (max == 0) max = 1;
    while (out.size() < max && !queues_.empty()) {
      auto it = queues_.begin();
      auto& q = it->second;
      while (out.size() < max && !q.empty()) {
        out.push_back(std::move(q.front()));
        q.pop_front();
        --size_;
      }
      if (q.empty()) queues_.erase(it);
    }
    return out;
  }

  // Every item, in the order take() would give them.
  template <typename F>
  void for_each(F&& f) {
    for (auto& [rank, q] : queues_)
      for (auto& item : q) f(item);
  }

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

 private:
  std::map<int, std::deque<T>> queues_;
  std::size_t size_ = 0;
};

}  // namespace piket::common
