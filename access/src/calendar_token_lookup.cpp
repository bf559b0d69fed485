// Checking a calendar token: read-only, so that dispatch (which serves the
// calendars) needs no command that changes the store. Making and revoking
// tokens is in calendar_tokens.cpp (the web app).
#include <algorithm>

#include "calendar_token_keys.hpp"
#include "piket/access/calendar_tokens.hpp"
#include "piket/common/crypto.hpp"

namespace piket::access {

using detail::kRandomChars;
using detail::to_ms;
using detail::token_key;

bool looks_like_calendar_token(std::string_view token) {
  if (token.size() != kCalendarTokenPrefix.size() + kRandomChars) return false;
  if (token.substr(0, kCalendarTokenPrefix.size()) != kCalendarTokenPrefix) return false;
  return std::all_of(token.begin() + kCalendarTokenPrefix.size(), token.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); });
}

std::optional<CalendarToken> CalendarTokens::find(std::string_view token) {
  if (!looks_like_calendar_token(token)) return std::nullopt;
  const auto r = redis_.command(
      {"HMGET", token_key(common::sha256_hex(token)), "person", "id", "created_at", "by"});
  if (r.elements.size() != 4 || r.elements[0].is_nil() || r.elements[0].str.empty())
    return std::nullopt;
  return CalendarToken{r.elements[1].str, r.elements[0].str,
                       common::from_epoch_ms(to_ms(r.elements[2].str)), r.elements[3].str};
}

}  // namespace piket::access
