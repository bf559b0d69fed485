#include "piket/web/local_time.hpp"

#include <date/tz.h>

#include <regex>
#include <string>

namespace piket::web {

std::optional<common::Instant> parse_amsterdam_local(std::string_view text) {
  static const std::regex re{"^(\\d{4})-(\\d{2})-(\\d{2})T(\\d{2}):(\\d{2})(?::(\\d{2}))?$"};
  std::cmatch m;
  if (!std::regex_match(text.begin(), text.end(), m, re)) return std::nullopt;
  const auto ymd = date::year{std::stoi(m[1])} / std::stoi(m[2]) / std::stoi(m[3]);
  const int h = std::stoi(m[4]), mi = std::stoi(m[5]), s = m[6].matched ? std::stoi(m[6]) : 0;
  if (!ymd.ok() || h > 23 || mi > 59 || s > 59) return std::nullopt;
  const auto local = date::local_days{ymd} + std::chrono::hours{h} + std::chrono::minutes{mi} +
                     std::chrono::seconds{s};
  try {
    const auto* zone = date::locate_zone("Europe/Amsterdam");
    const auto info = zone->get_info(local);
    date::sys_seconds sys;
    switch (info.result) {
      case date::local_info::unique:
      case date::local_info::ambiguous:  // the first occurrence
        sys = date::sys_seconds{local.time_since_epoch() - info.first.offset};
        break;
      case date::local_info::nonexistent:  // the jump itself
        sys = info.second.begin;
        break;
    }
    return std::chrono::time_point_cast<common::Millis>(sys);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace piket::web
