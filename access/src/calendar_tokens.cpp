#include "piket/access/calendar_tokens.hpp"

#include <algorithm>

#include "calendar_token_keys.hpp"
#include "piket/common/crypto.hpp"

namespace piket::access {
namespace {

using detail::index_key;
using detail::kRandomChars;
using detail::to_ms;
using detail::token_key;

// KEYS: 1 caltokens:{person}, 2 caltoken:{hash}. ARGV: 1 id, 2 hash, 3 person,
// 4 created_at ms, 5 by, 6 the most a person may hold.
const common::RedisScript& create_script() {
  static const common::RedisScript s{R"lua(
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[6]) then return 0 end
redis.call('HSET', KEYS[2], 'person', ARGV[3], 'id', ARGV[1], 'created_at', ARGV[4], 'by', ARGV[5])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
)lua"};
  return s;
}

// KEYS: 1 caltokens:{person}. ARGV: 1 id.
const common::RedisScript& revoke_script() {
  static const common::RedisScript s{R"lua(
local hash = redis.call('HGET', KEYS[1], ARGV[1])
if not hash then return 0 end
redis.call('DEL', 'caltoken:' .. hash)
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
)lua"};
  return s;
}

}  // namespace

std::optional<CalendarTokens::Created> CalendarTokens::create(const std::string& person,
                                                              const std::string& by,
                                                              common::Instant now) {
  Created c;
  c.token = std::string(kCalendarTokenPrefix) + common::random_base32(kRandomChars);
  const auto hash = common::sha256_hex(c.token);
  c.info = {hash.substr(0, 12), person, now, by};
  const auto r = redis_.eval(create_script(), {index_key(person), token_key(hash)},
                             {c.info.id, hash, person, std::to_string(common::to_epoch_ms(now)), by,
                              std::to_string(kMaxCalendarTokensPerPerson)});
  if (r.integer != 1) return std::nullopt;
  return c;
}

std::vector<CalendarToken> CalendarTokens::list(const std::string& person) {
  std::vector<CalendarToken> out;
  const auto index = redis_.command({"HGETALL", index_key(person)});
  std::vector<std::vector<std::string>> reads;
  for (std::size_t i = 1; i < index.elements.size(); i += 2)
    reads.push_back({"HMGET", token_key(index.elements[i].str), "id", "created_at", "by"});
  if (reads.empty()) return out;
  const auto r = redis_.pipeline(reads);
  for (const auto& x : r) {
    if (x.elements.size() != 3 || x.elements[0].is_nil()) continue;
    out.push_back({x.elements[0].str, person, common::from_epoch_ms(to_ms(x.elements[1].str)),
                   x.elements[2].str});
  }
  std::sort(out.begin(), out.end(), [](const CalendarToken& a, const CalendarToken& b) {
    return a.created_at < b.created_at;
  });
  return out;
}

bool CalendarTokens::revoke(const std::string& person, const std::string& id) {
  if (id.size() != 12 || !std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      }))
    return false;
  return redis_.eval(revoke_script(), {index_key(person)}, {id}).integer == 1;
}

}  // namespace piket::access
