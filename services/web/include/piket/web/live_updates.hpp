#pragma once
// What makes the board move without a reload. A loop (common::Periodic) polls
// Redis every `interval` (default 100 ms) for a digest of everything the app shows — the
// open cases, the length of each open case's timeline (every incident, page,
// acknowledgement, event and escalation is appended there), the simulated
// clock and the web service's own change counter — and tells every open
// stream "change" when it moves. It also relays each signed-in person's push
// messages (Redis stream store::push_key(person), written by notify) to their streams
// only, and keeps idle streams alive. While Redis is away it says so at most
// every 5 s (on the transport clock) and tries again each interval.

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "piket/common/clock.hpp"
#include "piket/common/periodic.hpp"
#include "piket/common/redis.hpp"
#include "piket/web/live_hub.hpp"

namespace piket::web {

class LiveUpdates {
 public:
  // `domain_clock` stamps the change frames; `transport_clock` throttles the
  // failure log.
  LiveUpdates(common::RedisConfig redis, LiveHub& hub, const common::Clock& domain_clock,
              const common::Clock& transport_clock, common::Millis interval = common::Millis{100});
  ~LiveUpdates();
  LiveUpdates(const LiveUpdates&) = delete;
  LiveUpdates& operator=(const LiveUpdates&) = delete;

  void start();
  void stop();
  // One round: returns true when a change was announced. For tests.
  bool poll_once();
  // With keep-alives (every 15 s), the streams of sessions for which
  // `alive(session key)` is false (expired) are closed.
  void set_session_check(std::function<bool(const std::string&)> alive);
  // Closes the streams of expired sessions now; returns how many.
  std::size_t close_expired_sessions();
  // The digest as last read (for the initial "hello" of a new stream).
  std::string digest() const;

 private:
  void relay_push();
  common::RedisConnection redis_;
  LiveHub& hub_;
  const common::Clock& clock_;
  common::Millis interval_;
  std::string digest_;
  mutable std::mutex digest_mutex_;
  std::map<std::string, std::string> push_cursor_;  // person -> last stream id
  std::function<bool(const std::string&)> session_alive_;
  std::mutex session_mutex_;
  int rounds_since_keepalive_ = 0;
  common::Periodic loop_;  // last: stopped before the members it uses go
};

}  // namespace piket::web
