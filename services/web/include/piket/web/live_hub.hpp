#pragma once
// The open event streams, by person. Thread-safe. Closed streams are dropped
// on the next send.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "piket/web/event_channel.hpp"

namespace piket::web {

class LiveHub {
 public:
  void add(const std::string& person, std::shared_ptr<EventChannel> channel);
  // Returns how many streams took the frame.
  std::size_t broadcast(const std::string& frame);
  std::size_t send_to(const std::string& person, const std::string& frame);
  // People with at least one open stream, sorted.
  std::vector<std::string> people() const;
  std::size_t size() const;
  void close_all();

 private:
  mutable std::mutex mutex_;
  std::multimap<std::string, std::shared_ptr<EventChannel>> channels_;
};

}  // namespace piket::web
