#include "piket/access/calendar_tokens.hpp"

#include <algorithm>

#include "calendar_token_keys.hpp"
#include "piket/store/lua.hpp"
#include "piket/common/crypto.hpp"

namespace piket::access {
namespace {

using detail::index_key;
using detail::kRandomChars;
using detail::to_ms;
using detail::token_key;

// KEYS, ARGV and reply: access/lua/access_calendar_token_create.lua.
const common::RedisScript& create_script() {
  static const common::RedisScript s{std::string(lua::access_calendar_token_create())};
  return s;
}

// KEYS, ARGV and reply: access/lua/access_calendar_token_revoke.lua.
const common::RedisScript& revoke_script() {
  static const common::RedisScript s{std::string(lua::access_calendar_token_revoke())};
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
