#pragma once
// The open event streams, by person and by the sign-in session that opened
// them. Thread-safe. Closed streams are dropped on the next send; signing out
// (or the session expiring) closes the session's streams.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "piket/web/event_channel.hpp"

namespace piket::web {

class LiveHub {
 public:
  // `session`: the session's key (SessionStore::session_key), or empty.
  void add(const std::string& person, std::shared_ptr<EventChannel> channel,
           const std::string& session = {});
  // Returns how many streams took the frame.
  std::size_t broadcast(const std::string& frame);
  std::size_t send_to(const std::string& person, const std::string& frame);
  // People with at least one open stream, sorted.
  std::vector<std::string> people() const;
  std::size_t size() const;
  void close_all();
  // Closes and forgets every stream of this session; returns how many.
  std::size_t close_session(const std::string& session);
  // The sessions with open streams.
  std::vector<std::string> sessions() const;

 private:
  struct Stream {
    std::shared_ptr<EventChannel> channel;
    std::string session;
  };
  using Map = std::multimap<std::string, Stream>;
  // Sends to the streams in [from, to), dropping closed ones; mutex_ held.
  std::size_t send_range(Map::iterator from, Map::iterator to, const std::string& frame);
  mutable std::mutex mutex_;
  Map channels_;
};

}  // namespace piket::web
