#include "piket/common/time_format.hpp"

#include <date/date.h>

#include <cctype>
#include <sstream>

namespace piket::common {
namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return false;
  for (std::size_t i = pos; i < pos + n; ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

int num(std::string_view s, std::size_t pos, std::size_t n) {
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

}  // namespace

// Strict hand-rolled shape check (RFC 3339 section 5.6), then date.h for the
// calendar arithmetic: date.h's parse accepts looser input than the RFC allows.
std::optional<Instant> parse_rfc3339(std::string_view s) {
  if (s.size() < 20 || s.size() > 40) return std::nullopt;
  if (!digits(s, 0, 4) || s[4] != '-' || !digits(s, 5, 2) || s[7] != '-' || !digits(s, 8, 2))
    return std::nullopt;
  if (s[10] != 'T' && s[10] != 't') return std::nullopt;
  if (!digits(s, 11, 2) || s[13] != ':' || !digits(s, 14, 2) || s[16] != ':' || !digits(s, 17, 2))
    return std::nullopt;
  const int year = num(s, 0, 4), month = num(s, 5, 2), day = num(s, 8, 2);
  const int hour = num(s, 11, 2), minute = num(s, 14, 2), second = num(s, 17, 2);
  std::size_t pos = 19;
  int millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
    const std::size_t n = pos - start;
    if (n == 0 || n > 9) return std::nullopt;
    for (std::size_t i = 0; i < 3; ++i) millis = millis * 10 + (i < n ? s[start + i] - '0' : 0);
  }
  if (pos >= s.size()) return std::nullopt;
  int offset_minutes = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    const int sign = s[pos] == '-' ? -1 : 1;
    if (!digits(s, pos + 1, 2) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2))
      return std::nullopt;
    const int oh = num(s, pos + 1, 2), om = num(s, pos + 4, 2);
    if (oh > 23 || om > 59) return std::nullopt;
    offset_minutes = sign * (oh * 60 + om);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  // Leap seconds (":60") are not representable on sys_time; refuse them.
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                 date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  const auto local = date::sys_days{ymd} + std::chrono::hours{hour} +
                     std::chrono::minutes{minute} + std::chrono::seconds{second} + Millis{millis};
  return Instant{std::chrono::duration_cast<Millis>(local.time_since_epoch()) -
                 std::chrono::minutes{offset_minutes}};
}

std::string format_rfc3339(Instant t) { return date::format("%FT%TZ", t); }

}  // namespace piket::common
