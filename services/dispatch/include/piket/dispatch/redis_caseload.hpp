#pragma once
// Open cases per person as the rota's selection sees them: the members of
// the `caseload:{person}` set in Redis, how many of them are in
// monitoring (phase handover or monitoring; they count with the
// [caseload] monitoring_weight), and the person's recorded absence
// (person:{id}:absence: absent from `since`, until `until` if it has one).
// Read on demand, once per person per view,
// or for many people in one round trip (prefetch). A batch of incidents
// (Dispatcher::dispatch_batch) counts the cases it has just assigned
// (count_assigned) before they are written, so the cap holds inside a batch
// as it does one incident at a time.

#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "piket/common/redis.hpp"
#include "piket/rota/selection.hpp"

namespace piket::dispatch {

class RedisCaseload final : public rota::CaseloadView {
 public:
  explicit RedisCaseload(common::RedisConnection& redis) : redis_(redis) {}
  int open_cases(const std::string& person) const override {
    return load(person).open + assigned(person);
  }
  int monitoring_cases(const std::string& person) const override { return load(person).monitoring; }
  bool absent(const std::string& person, common::Instant at) const override;

  // Reads the caseload of every one of `people` not read yet, in one pipeline.
  void prefetch(const std::vector<std::string>& people);
  // The same reads for a caller's own round trip: the calls for those of `people` not read
  // yet (`wanted` gets who, one per call), then accept() with their outcomes, in order. A
  // failed call leaves its person unread (prefetch or the selection reads them again).
  std::vector<common::RedisScriptCall> calls_for(const std::vector<std::string>& people,
                                                 std::vector<std::string>& wanted) const;
  void accept(const std::vector<std::string>& wanted,
              std::span<const common::RedisOutcome> outcomes);
  // One more open case for `person` (in its intensive phase): a case this
  // view's user is assigning to them.
  void count_assigned(const std::string& person) { ++assigned_[person]; }

 private:
  int assigned(const std::string& person) const {
    const auto it = assigned_.find(person);
    return it == assigned_.end() ? 0 : it->second;
  }
  // What dispatch_caseload read of one person, kept for this view's life.
  struct Person {
    int open = 0;
    int monitoring = 0;
    std::optional<common::Instant> absent_since, absent_until;
  };
  const Person& load(const std::string& person) const;
  static Person parse(const common::RedisReply& reply);

  common::RedisConnection& redis_;
  mutable std::map<std::string, Person, std::less<>> cache_;
  std::map<std::string, int, std::less<>> assigned_;
};

}  // namespace piket::dispatch
