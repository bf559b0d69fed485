#pragma once
// A pool of Redis connections for code that runs on several threads: lease
// one, use it, and it returns to the pool when the lease ends.

#include <memory>
#include <mutex>
#include <vector>

#include "piket/common/redis.hpp"

namespace piket::common {

class RedisPool {
 public:
  explicit RedisPool(RedisConfig cfg) : cfg_(std::move(cfg)) {}

  class Lease {
   public:
    Lease(RedisPool& pool, std::unique_ptr<RedisConnection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    ~Lease() { pool_.give_back(std::move(conn_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    RedisConnection& operator*() { return *conn_; }
    RedisConnection* operator->() { return conn_.get(); }

   private:
    RedisPool& pool_;
    std::unique_ptr<RedisConnection> conn_;
  };

  Lease lease() {
    std::lock_guard lock(mutex_);
    if (idle_.empty()) return Lease(*this, std::make_unique<RedisConnection>(cfg_));
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(c));
  }

 private:
  void give_back(std::unique_ptr<RedisConnection> c) {
    if (!c) return;
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(c));
  }
  RedisConfig cfg_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<RedisConnection>> idle_;
};

}  // namespace piket::common
