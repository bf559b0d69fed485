#pragma once
// Open cases per person as the rota's selection sees them: the members of
// the `caseload:{person}` set in Redis, and how many of them are in
// monitoring (phase handover or monitoring; they count with the
// [caseload] monitoring_weight). Read on demand, once per person per view.

#include <map>
#include <string>
#include <utility>

#include "piket/common/redis.hpp"
#include "piket/rota/selection.hpp"

namespace piket::dispatch {

class RedisCaseload final : public rota::CaseloadView {
 public:
  explicit RedisCaseload(common::RedisConnection& redis) : redis_(redis) {}
  int open_cases(const std::string& person) const override { return load(person).first; }
  int monitoring_cases(const std::string& person) const override { return load(person).second; }

 private:
  // {open, in monitoring}, read in one script and kept for this view's life.
  std::pair<int, int> load(const std::string& person) const;

  common::RedisConnection& redis_;
  mutable std::map<std::string, std::pair<int, int>, std::less<>> cache_;
};

}  // namespace piket::dispatch
