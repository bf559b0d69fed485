#pragma once
// The audit trail in Redis: list store::kAuditLog of chained lines and the head
// store::kAuditHead ("seq hash"), appended together by one script that refuses a
// stale head, so writers in several processes keep one chain. Redis runs with
// appendfsync always: an entry is on disk before the request it records is
// answered. An entry that cannot be written fails the request.

#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

  // A line of the refusal tally (refusal_tally.hpp): its count is taken from field `field` of
  // the minute's hash `key` by the script that appends the line.
  struct TallyTake {
    std::string key;
    std::string field;
    long long count = 0;
  };
  // Appends `record` and takes `take.count` from the tally in one script: false (nothing
  // written) when the field holds less — another web process wrote that line. Throws
  // common::RedisError.
  bool append(AuditRecord record, const TallyTake& take);

 private:
  common::RedisPool& redis_;
  const common::Clock& real_;
  const common::Clock& domain_;
  bool append_line(AuditRecord record, const TallyTake* take);

  std::mutex mutex_;
  std::string head_;  // as stored; empty: not read yet or empty chain
  bool head_known_ = false;
};

// Verifies the whole stored chain, reading it in chunks.
ChainVerifier verify_audit_log(common::RedisConnection& redis);

// Anchoring the head (docs/web.md, "Anchoring the head"). Whoever can rewrite
// the whole list and the head can forge a chain that verify_audit_log finds
// intact; so piket-web writes the head out to the journal at least every
// minute, and `piket-audit verify --heads FILE` compares the chain with what
// was written out then.

// The stored head; an empty chain's (seq 0) when there is none. Throws
// common::RedisError; RedisReplyError when the stored head is not "seq hash".
ChainHead read_audit_head(common::RedisConnection& redis);
// The log line of a head: "audit_head seq=<seq> hash=<64 hex>".
std::string audit_head_line(const ChainHead& head);
// The head in a line holding an audit_head_line anywhere (a journal line,
// JSON or text); nullopt for any other line.
std::optional<ChainHead> find_audit_head(std::string_view line);

struct ExportedHeadsCheck {
  std::size_t checked = 0;             // distinct heads compared (seq > 0)
  std::optional<std::string> problem;  // the first head the chain no longer holds, and why
  bool ok() const { return !problem; }
};
// Every head written out earlier must still be in the chain: the chain is at
// least that long and its entry `seq` has that hash. A chain rewritten after
// a head was written out (re-hashed from some entry on, or cut short) fails.
// piket-audit runs it as an operator (Redis user ops).
ExportedHeadsCheck check_exported_heads(common::RedisConnection& redis,
                                        const std::vector<ChainHead>& heads);

}  // namespace piket::web
