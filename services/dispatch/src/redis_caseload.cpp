#include "piket/dispatch/redis_caseload.hpp"

namespace piket::dispatch {
namespace {

// ARGV: 1 person. Returns {open cases, of which in monitoring}: the members
// of caseload:{person}, and how many of them are in cases:monitoring (kept by
// piket-cases: services/cases/include/piket/cases/monitoring_set.hpp): two
// commands counted inside Redis, instead of reading every case's phase.
const common::RedisScript& caseload_script() {
  static const common::RedisScript s{R"lua(
local k = 'caseload:' .. ARGV[1]
return {redis.call('SCARD', k), redis.call('SINTERCARD', 2, k, 'cases:monitoring')}
)lua"};
  return s;
}

}  // namespace

std::pair<int, int> RedisCaseload::load(const std::string& person) const {
  if (auto it = cache_.find(person); it != cache_.end()) return it->second;
  const auto r = redis_.eval(caseload_script(), {}, {person});
  std::pair<int, int> out{0, 0};
  if (r.elements.size() == 2)
    out = {static_cast<int>(r.elements[0].integer), static_cast<int>(r.elements[1].integer)};
  cache_.emplace(person, out);
  return out;
}

}  // namespace piket::dispatch
