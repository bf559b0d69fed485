#include "piket/dispatch/redis_caseload.hpp"

namespace piket::dispatch {
namespace {

// ARGV: 1 person. Returns {open cases, of which in monitoring}.
const common::RedisScript& caseload_script() {
  static const common::RedisScript s{R"lua(
local ids = redis.call('SMEMBERS', 'caseload:' .. ARGV[1])
local monitoring = 0
for _, id in ipairs(ids) do
  local phase = redis.call('HGET', 'case:' .. id, 'phase')
  if phase == 'handover' or phase == 'monitoring' then monitoring = monitoring + 1 end
end
return {#ids, monitoring}
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
