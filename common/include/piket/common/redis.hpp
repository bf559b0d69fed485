#pragma once
// RAII owner of a hiredis connection. Core code sees only these types, never
// hiredis. Errors: RedisIoError (connection lost or timed out — the outcome of
// the command is unknown) and RedisReplyError (the server refused it); a
// refusal because Redis is at its memory limit (-OOM, maxmemory with
// noeviction) is the RedisReplyError RedisFullError: nothing was written.
// Not thread-safe: one connection per thread. Move-only.

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
  bool connected() const;
  void disconnect();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace piket::common
