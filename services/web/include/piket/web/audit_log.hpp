#pragma once
// The audit trail in Redis: list store::kAuditLog of chained lines and the head
// store::kAuditHead ("seq hash"), appended together by one script that refuses a
// stale head, so writers in several processes keep one chain. Redis runs with
// appendfsync always: an entry is on disk before the request it records is
// answered. An entry that cannot be written fails the request.

#include <functional>
#include <mutex>
#include <string>

#include "piket/common/clock.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/store/audit.hpp"
#include "piket/web/audit_chain.hpp"

namespace piket::web {

class AuditLog {
 public:
  AuditLog(common::RedisPool& redis, const common::Clock& real_clock,
           const common::Clock& domain_clock);
  // Stamps `at` and `domain_at` and appends. Throws common::RedisError.
  void append(AuditRecord record);

 private:
  common::RedisPool& redis_;
  const common::Clock& real_;
  const common::Clock& domain_;
  std::mutex mutex_;
  std::string head_;  // as stored; empty: not read yet or empty chain
  bool head_known_ = false;
};

// Verifies the whole stored chain, reading it in chunks.
ChainVerifier verify_audit_log(common::RedisConnection& redis);

}  // namespace piket::web
