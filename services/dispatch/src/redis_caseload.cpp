#include "piket/dispatch/redis_caseload.hpp"

#include <algorithm>
#include <charconv>

#include "piket/store/lua.hpp"

namespace piket::dispatch {
namespace {

// KEYS, ARGV and reply: store/lua/dispatch/dispatch_caseload.lua.
const common::RedisScript& caseload_script() {
  static const common::RedisScript s{std::string(lua::dispatch_caseload())};
  return s;
}

// A time the script read (domain ms); none when nil or not a number.
std::optional<common::Instant> instant(const common::RedisReply& r) {
  long long ms = 0;
  const auto& s = r.str;
  if (r.is_nil() || std::from_chars(s.data(), s.data() + s.size(), ms).ec != std::errc{})
    return std::nullopt;
  return common::from_epoch_ms(ms);
}

}  // namespace

RedisCaseload::Person RedisCaseload::parse(const common::RedisReply& r) {
  Person p;
  if (r.elements.size() != 4) return p;
  p.open = static_cast<int>(r.elements[0].integer);
  p.monitoring = static_cast<int>(r.elements[1].integer);
  p.absent_since = instant(r.elements[2]);
  p.absent_until = instant(r.elements[3]);
  return p;
}

std::vector<common::RedisScriptCall> RedisCaseload::calls_for(
    const std::vector<std::string>& people, std::vector<std::string>& wanted) const {
  std::vector<common::RedisScriptCall> calls;
  for (const auto& person : people) {
    if (cache_.contains(person) || std::find(wanted.begin(), wanted.end(), person) != wanted.end())
      continue;
    wanted.push_back(person);
    calls.push_back({&caseload_script(), {}, {person}});
  }
  return calls;
}

void RedisCaseload::accept(const std::vector<std::string>& wanted,
                           std::span<const common::RedisOutcome> outcomes) {
  for (std::size_t i = 0; i < wanted.size() && i < outcomes.size(); ++i)
    if (outcomes[i].ok()) cache_.emplace(wanted[i], parse(outcomes[i].reply));
}

void RedisCaseload::prefetch(const std::vector<std::string>& people) {
  std::vector<std::string> wanted;
  const auto calls = calls_for(people, wanted);
  if (calls.empty()) return;
  const auto replies = redis_.eval_pipeline(calls);
  for (const auto& r : replies) (void)r.value();  // a refused read: the batch fails, as before
  accept(wanted, replies);
}

const RedisCaseload::Person& RedisCaseload::load(const std::string& person) const {
  if (auto it = cache_.find(person); it != cache_.end()) return it->second;
  return cache_.emplace(person, parse(redis_.eval(caseload_script(), {}, {person}))).first->second;
}

bool RedisCaseload::absent(const std::string& person, common::Instant at) const {
  const auto& p = load(person);
  return p.absent_since && *p.absent_since <= at && (!p.absent_until || at < *p.absent_until);
}

}  // namespace piket::dispatch
