#include "piket/dispatch/redis_caseload.hpp"

#include <algorithm>

#include "piket/store/lua.hpp"

namespace piket::dispatch {
namespace {

// KEYS, ARGV and reply: store/lua/dispatch/dispatch_caseload.lua.
const common::RedisScript& caseload_script() {
  static const common::RedisScript s{std::string(lua::dispatch_caseload())};
  return s;
}

}  // namespace

namespace {

std::pair<int, int> parse(const common::RedisReply& r) {
  if (r.elements.size() != 2) return {0, 0};
  return {static_cast<int>(r.elements[0].integer), static_cast<int>(r.elements[1].integer)};
}

}  // namespace

void RedisCaseload::prefetch(const std::vector<std::string>& people) {
  std::vector<std::string> wanted;
  std::vector<common::RedisScriptCall> calls;
  for (const auto& person : people) {
    if (cache_.contains(person) || std::find(wanted.begin(), wanted.end(), person) != wanted.end())
      continue;
    wanted.push_back(person);
    calls.push_back({&caseload_script(), {}, {person}});
  }
  if (calls.empty()) return;
  const auto replies = redis_.eval_pipeline(calls);
  for (std::size_t i = 0; i < wanted.size(); ++i)
    cache_.emplace(wanted[i], parse(replies[i].value()));
}

std::pair<int, int> RedisCaseload::load(const std::string& person) const {
  if (auto it = cache_.find(person); it != cache_.end()) return it->second;
  const auto out = parse(redis_.eval(caseload_script(), {}, {person}));
  cache_.emplace(person, out);
  return out;
}

}  // namespace piket::dispatch
