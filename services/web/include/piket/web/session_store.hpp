#pragma once
// Signed-in sessions, kept in Redis under the SHA-256 of their token (a copy
// of Redis holds no usable cookie). Each session carries its own CSRF token.
// Expiry is in real time, read from the injected clock: `idle` after the last
// request, `max` after sign-in; Redis's own expiry only collects the garbage.

#include <optional>
#include <string>
#include <string_view>

#include "piket/common/clock.hpp"
#include "piket/common/redis_pool.hpp"

namespace piket::web {

struct Session {
  std::string person;
  std::string csrf;
  common::Instant created_at{};
  common::Instant last_seen{};
  std::string remote;
};

class SessionStore {
 public:
  SessionStore(common::RedisPool& redis, const common::Clock& real_clock, common::Millis idle,
               common::Millis max);

  struct Created {
    std::string token;  // goes in the cookie, nowhere else
    Session session;
  };
  Created create(const std::string& person, const std::string& remote);
  // The live session of `token` (its idle timer restarted), or nullopt.
  std::optional<Session> find(std::string_view token);
  void destroy(std::string_view token);
  // The key a session is known by without its token (a hash of it).
  static std::string session_key(std::string_view token);
  // Whether the session with this key is still live; unlike find(), does not
  // restart its idle timer.
  bool alive(const std::string& session_key);

 private:
  static std::string key(std::string_view token) { return session_key(token); }
  common::RedisPool& redis_;
  const common::Clock& clock_;
  common::Millis idle_;
  common::Millis max_;
};

// A random URL-safe token with 256 bits of entropy.
std::string random_token();

}  // namespace piket::web
