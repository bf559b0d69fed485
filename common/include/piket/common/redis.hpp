#pragma once
// RAII owner of a hiredis connection. Core code sees only these types, never
// hiredis. Errors: RedisIoError (connection lost or timed out — the outcome of
// the command is unknown) and RedisReplyError (the server refused it); a
// refusal because Redis is at its memory limit (-OOM, maxmemory with
// noeviction) is the RedisReplyError RedisFullError: nothing was written.
// Not thread-safe: one connection per thread. Move-only.
//
// With `RedisConfig::sentinels` a connection finds the primary through the
// sentinels each time it connects (docs/availability.md): after an I/O error
// the next command connects to whatever primary the sentinels name then, and
// a command answered READONLY or MASTERDOWN (it reached a replica, so it was
// not run) is sent once more to the primary found anew. Nothing else is
// retried: a command whose outcome is unknown is the caller's to retry.

#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "piket/common/config.hpp"

namespace piket::common {

class RedisError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
class RedisIoError : public RedisError {
 public:
  using RedisError::RedisError;
};
class RedisReplyError : public RedisError {
 public:
  using RedisError::RedisError;
};
// Redis refused a write (or a script that may write) because it is at
// `maxmemory`: "OOM command not allowed when used memory > 'maxmemory'".
class RedisFullError : public RedisReplyError {
 public:
  using RedisReplyError::RedisReplyError;
};

// Redis refused a write because fewer replicas than its
// `min-replicas-to-write` are connected: "NOREPLICAS …". Nothing was written.
class RedisNoReplicasError : public RedisReplyError {
 public:
  using RedisReplyError::RedisReplyError;
};

// An answer that promises durability could not be confirmed: too few replicas
// acknowledged its write in time (wait_replicated() was false). The write is on
// the primary; callers answer 503 `not_replicated` (docs/availability.md).
class RedisNotReplicatedError : public RedisError {
 public:
  using RedisError::RedisError;
};

// Process-wide counts for /metrics (Metrics::render adds them).
struct RedisStats {
  // A connection found the primary at another address than the one seen
  // before in this process: a failover was followed.
  std::atomic<std::uint64_t> failovers_followed{0};
  // wait_replicated() gave up: too few replicas had the write in time.
  std::atomic<std::uint64_t> replica_waits_timed_out{0};
};
RedisStats& redis_stats();

struct RedisReply {
  enum class Type { nil, integer, string, status, array };
  Type type = Type::nil;
  long long integer = 0;
  std::string str;
  std::vector<RedisReply> elements;

  bool is_nil() const { return type == Type::nil; }
  // "Not found" is an empty optional, not an error.
  std::optional<std::string> opt_string() const {
    if (type == Type::string || type == Type::status) return str;
    return std::nullopt;
  }
  // An array reply's elements as strings ("" for nil), or as optionals (nil: empty).
  std::vector<std::string> element_strings() const {
    std::vector<std::string> out;
    out.reserve(elements.size());
    for (const auto& e : elements) out.push_back(e.str);
    return out;
  }
  std::vector<std::optional<std::string>> element_optionals() const {
    std::vector<std::optional<std::string>> out;
    out.reserve(elements.size());
    for (const auto& e : elements) out.push_back(e.opt_string());
    return out;
  }
};

// A Lua script run with EVALSHA (loaded on first NOSCRIPT).
class RedisScript {
 public:
  explicit RedisScript(std::string source);
  const std::string& source() const { return source_; }

 private:
  std::string source_;
};

// One script call of RedisConnection::eval_pipeline(); without a script, a plain command whose
// words are `args` (a read sent in the same round trip as the scripts).
struct RedisScriptCall {
  const RedisScript* script = nullptr;
  std::vector<std::string> keys;
  std::vector<std::string> args;
};

// One command's outcome in a pipeline whose commands stand alone: its reply,
// or the error Redis answered for it (a RedisReplyError: RedisFullError,
// RedisNoReplicasError, …) — the others are not affected.
struct RedisOutcome {
  RedisReply reply;
  std::exception_ptr error;
  bool ok() const { return !error; }
  // The reply; rethrows the error.
  const RedisReply& value() const {
    if (error) std::rethrow_exception(error);
    return reply;
  }
};

class RedisConnection {
 public:
  explicit RedisConnection(RedisConfig cfg);
  ~RedisConnection();
  RedisConnection(RedisConnection&&) noexcept;
  RedisConnection& operator=(RedisConnection&&) noexcept;
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Connects on first use and again after an I/O error.
  RedisReply command(const std::vector<std::string>& args);
  RedisReply command(std::initializer_list<std::string_view> args);
  // Sends all commands in one round trip; returns one reply per command.
  std::vector<RedisReply> pipeline(const std::vector<std::vector<std::string>>& commands);
  RedisReply eval(const RedisScript& script, const std::vector<std::string>& keys,
                  const std::vector<std::string>& args);
  // Runs every script call in one round trip (EVALSHA; a script this
  // connection has not loaded yet is loaded first), so the calls share one
  // event-loop round of Redis and, with appendfsync always, one fsync. One
  // outcome per call, in order: a call Redis refused is that call's error
  // only. Calls answered NOSCRIPT (the server lost its scripts) or, with
  // sentinels, READONLY/MASTERDOWN (not run) are sent once more. Throws
  // RedisIoError when the connection fails: then which calls ran is unknown.
  std::vector<RedisOutcome> eval_pipeline(const std::vector<RedisScriptCall>& calls);
  // Durable answers: `WAIT min_replicas replica_wait` for this connection's
  // last write (RedisConfig). True when min_replicas is 0 or that many
  // replicas acknowledged it in time; false otherwise (counted in
  // redis_stats()): the write is on the primary, but not yet on enough
  // replicas to survive its loss. Throws RedisError like command().
  bool wait_replicated();
  // Where this connection is connected now (the primary found through the
  // sentinels, or `address`); nullopt when not connected.
  std::optional<HostPort> peer() const;
  const RedisConfig& config() const;
  bool connected() const;
  void disconnect();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace piket::common
