#pragma once
// Requests refused for want of a session, written to the audit trail in a
// bounded, aggregated way (docs/web.md, "The audit trail"): counted per
// address per minute of transport time — in memory as they come (a flood
// costs Redis nothing), added to Redis by flush() (every second), and written
// as one audit entry per address and minute once the minute has ended ("412
// requests refused without a session"). At most kMaxAddresses addresses are
// told apart in a minute; the rest are counted together as "other". So
// strangers add at most kMaxAddresses + 1 entries a minute however many
// requests they send, one a minute from one address. A crash loses at most
// the counts of the last second. Refusals of signed-in people are not counted
// here: each is its own audit entry.
// Keys: web:unauth:{minute} (hash address → count), web:unauth:minutes
// (zset of minutes not yet written), web:unauth:{minute}:writing (a claim for
// 60 s, so that two web processes do not write the same minute at once; a
// minute whose writer died is written by another once the claim has run
// out). Each line takes its count out of the minute in the script that
// appends it (AuditLog::TallyTake): a line is written once, however many web
// processes flush, and one that dies halfway leaves only the lines it did
// not write (docs/availability.md, "Two instances of every service").

#include <cstddef>
#include <map>
#include <mutex>
#include <string>

#include "piket/common/clock.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/web/audit_log.hpp"

namespace piket::web {

class RefusalTally {
 public:
  static constexpr common::Millis kWindow{60 * 1000};
  static constexpr std::size_t kMaxAddresses = 1000;
  static constexpr const char* kOther = "other";

  RefusalTally(common::RedisPool& redis, const common::Clock& transport_clock, AuditLog& audit);
  // Counts one refusal from `address` in the current minute (memory only).
  void count(const std::string& address);
  // Adds the counts in memory to Redis, then writes every minute that has
  // ended to the audit trail; returns the number of entries written. Safe to
  // call often. Throws common::RedisError (the counts are kept for the next).
  std::size_t flush();

 private:
  using Counts = std::map<long long, std::map<std::string, long long>>;  // minute → address → n
  void push(Counts counts);

  common::RedisPool& redis_;
  const common::Clock& clock_;
  AuditLog& audit_;
  std::mutex mutex_;
  Counts pending_;
};

}  // namespace piket::web
