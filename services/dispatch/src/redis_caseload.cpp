#include "piket/dispatch/redis_caseload.hpp"

#include "piket/store/lua.hpp"

namespace piket::dispatch {
namespace {

// KEYS, ARGV and reply: store/lua/dispatch/dispatch_caseload.lua.
const common::RedisScript& caseload_script() {
  static const common::RedisScript s{std::string(lua::dispatch_caseload())};
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
