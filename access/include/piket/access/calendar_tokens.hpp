#pragma once
// Calendar tokens: a person's read-only key to their rota calendars (dispatch's
// GET /v1/rota/calendar/…ics?token=…), which opens nothing else. A calendar
// app cannot send headers, so the token travels in the URL — which is why it
// must not be the person's staff token (that opens the case API).
//
// Made and revoked in the web app; shown once. Redis keeps only the token's
// SHA-256 (docs/data-model.md):
//   caltoken:{sha256(token)}  hash  person, id, created_at (real ms), by
//   caltokens:{person}        hash  id -> sha256(token): the person's tokens
// A person holds at most kMaxPerPerson. Tokens look like "pcal_" + 32
// Crockford base32 characters (160 random bits).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "piket/common/clock.hpp"
#include "piket/common/redis.hpp"

namespace piket::access {

inline constexpr std::size_t kMaxCalendarTokensPerPerson = 5;
inline constexpr std::string_view kCalendarTokenPrefix = "pcal_";

struct CalendarToken {
  std::string id;  // 12 hex characters: names the token in lists, opens nothing
  std::string person;
  common::Instant created_at{};
  std::string by;  // who made it (the person themself)
};

// True when `token` has the shape of a calendar token (no I/O).
bool looks_like_calendar_token(std::string_view token);

class CalendarTokens {
 public:
  explicit CalendarTokens(common::RedisConnection& redis) : redis_(redis) {}

  struct Created {
    std::string token;  // to show once; never stored
    CalendarToken info;
  };
  // Empty when the person holds kMaxCalendarTokensPerPerson already.
  std::optional<Created> create(const std::string& person, const std::string& by,
                                common::Instant now);
  std::vector<CalendarToken> list(const std::string& person);
  // False when the person has no token with that id.
  bool revoke(const std::string& person, const std::string& id);
  // The token's holder; empty for anything that is not a live calendar token.
  std::optional<CalendarToken> find(std::string_view token);

 private:
  common::RedisConnection& redis_;
};

}  // namespace piket::access
