#include "piket/rota/wall_clock.hpp"

#include <date/tz.h>
// date/ptz.h names hh_mm_ss unqualified under `using namespace date;` and
// `using namespace std::chrono;`, which C++20 makes ambiguous. date.h and tz.h
// are already included (and guarded), so the macro renames it in ptz.h alone,
// to an alias only namespace date has.
namespace date {
template <class Duration>
using piket_hh_mm_ss = hh_mm_ss<Duration>;
}
#define hh_mm_ss piket_hh_mm_ss
#include <date/ptz.h>
#undef hh_mm_ss

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "piket/common/time_format.hpp"

namespace piket::rota {
namespace {

using common::Instant;
using common::Millis;

constexpr const char* kZoneName = "Europe/Amsterdam";
// The EU rule in force since 1996; used only when the TZif file has no footer.
constexpr const char* kFallbackRule = "CET-1CEST,M3.5.0,M10.5.0/3";

// The POSIX TZ rule at the end of a TZif (v2+) file: its last line.
std::string tzif_footer(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream all;
  all << in.rdbuf();
  const std::string s = all.str();
  if (s.size() < 2 || s.back() != '\n') return {};
  const auto begin = s.rfind('\n', s.size() - 2);
  if (begin == std::string::npos) return {};
  return s.substr(begin + 1, s.size() - begin - 2);
}

// The tz database's zone for the years it lists, and the zone's POSIX rule
// after its last listed transition (Debian's files stop in 2037).
class AmsterdamZone {
 public:
  static const AmsterdamZone& get() {
    static const AmsterdamZone zone;
    return zone;
  }

  Instant to_instant(LocalTime wall) const {
    const auto t = tz_->to_sys(wall, date::choose::earliest);
    if (t < rule_from_) return t;
    return rule_.to_sys(wall, date::choose::earliest);
  }

  LocalTime to_local(Instant t) const {
    if (t < rule_from_) return tz_->to_local(t);
    return rule_.to_local(t);
  }

 private:
  AmsterdamZone() : tz_(date::locate_zone(kZoneName)), rule_(rule_string()) {
    // The last listed transition: its sys_info runs to the end of time.
    const auto far = date::sys_days{date::year{2400} / 1 / 1};
    const auto info = tz_->get_info(far);
    rule_from_ = std::chrono::time_point_cast<Millis>(info.begin);
  }

  static std::string rule_string() {
    auto footer = tzif_footer(std::string("/usr/share/zoneinfo/") + kZoneName);
    return footer.empty() ? kFallbackRule : footer;
  }

  const date::time_zone* tz_;
  Posix::time_zone rule_;
  Instant rule_from_{};
};

}  // namespace

Instant to_instant(LocalTime wall) {
  return AmsterdamZone::get().to_instant(wall);
}

LocalTime to_local(Instant t) {
  return AmsterdamZone::get().to_local(t);
}

date::year_month_day local_date(Instant t) {
  return date::year_month_day{date::floor<date::days>(to_local(t))};
}

std::chrono::minutes utc_offset(Instant t) {
  return std::chrono::duration_cast<std::chrono::minutes>(to_local(t).time_since_epoch() -
                                                          t.time_since_epoch());
}

std::string format_local(Instant t) {
  const auto local = date::floor<std::chrono::minutes>(to_local(t));
  const auto offset = utc_offset(t);
  const auto off = offset.count();
  char sign = off < 0 ? '-' : '+';
  const auto abs = off < 0 ? -off : off;
  char buf[16];
  std::snprintf(buf, sizeof buf, " %c%02d:%02d", sign, static_cast<int>(abs / 60),
                static_cast<int>(abs % 60));
  return date::format("%Y-%m-%d %H:%M", local) + buf;
}

std::string format_ical_utc(Instant t) {
  return date::format("%Y%m%dT%H%M%SZ", date::floor<std::chrono::seconds>(t));
}

std::optional<Instant> parse_time(std::string_view text) {
  if (auto t = common::parse_rfc3339(text)) return t;
  static const std::regex local_re{
      R"(^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$)"};
  std::cmatch m;
  if (!std::regex_match(text.data(), text.data() + text.size(), m, local_re)) return std::nullopt;
  const date::year_month_day d{date::year{std::stoi(m[1].str())},
                               date::month{static_cast<unsigned>(std::stoi(m[2].str()))},
                               date::day{static_cast<unsigned>(std::stoi(m[3].str()))}};
  if (!d.ok()) return std::nullopt;
  int h = 0, min = 0, sec = 0;
  if (m[4].matched) {
    h = std::stoi(m[4].str());
    min = std::stoi(m[5].str());
    if (m[6].matched) sec = std::stoi(m[6].str());
  }
  if (h > 23 || min > 59 || sec > 59) return std::nullopt;
  const LocalTime wall = LocalTime{date::local_days{d}.time_since_epoch()} + std::chrono::hours{h} +
                         std::chrono::minutes{min} + std::chrono::seconds{sec};
  return to_instant(wall);
}

void check_time_zone_data() {
  try {
    (void)AmsterdamZone::get();
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("time zone data for ") + kZoneName +
                             " is missing (install tzdata): " + e.what());
  }
}

}  // namespace piket::rota
