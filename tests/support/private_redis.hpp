#pragma once
// Test support: a private redis-server on a free port with its own data directory (a TempDir),
// started on construction and stopped on destruction. Link piket_launch and piket_common.
// One per test suite is enough: tests FLUSHALL in their fixture's constructor.

#include <chrono>
#include <string>

#include "piket/common/config.hpp"
#include "piket/launch/redis_server.hpp"
#include "temp_dir.hpp"

namespace piket::test {

class PrivateRedis {
 public:
  explicit PrivateRedis(const std::string& prefix = "piket-redis")
      : dir_(prefix), server_({0, dir_.path()}) {
    server_.start();
  }
  ~PrivateRedis() { server_.stop(); }
  PrivateRedis(const PrivateRedis&) = delete;
  PrivateRedis& operator=(const PrivateRedis&) = delete;

  common::RedisConfig config(common::Millis timeout = common::Millis{2000}) const {
    return {{"127.0.0.1", server_.port()}, timeout};
  }
  launch::RedisServer& server() { return server_; }

 private:
  TempDir dir_;
  launch::RedisServer server_;
};

}  // namespace piket::test
