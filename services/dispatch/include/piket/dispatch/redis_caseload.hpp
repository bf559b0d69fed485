#pragma once
// Open cases per person as the rota's selection sees them: the size of the
// `caseload:{person}` set in Redis, read on demand.

#include <string>

#include "piket/common/redis.hpp"
#include "piket/rota/selection.hpp"

namespace piket::dispatch {

class RedisCaseload final : public rota::CaseloadView {
 public:
  explicit RedisCaseload(common::RedisConnection& redis) : redis_(redis) {}
  int open_cases(const std::string& person) const override {
    return static_cast<int>(redis_.command({"SCARD", "caseload:" + person}).integer);
  }

 private:
  common::RedisConnection& redis_;
};

}  // namespace piket::dispatch
