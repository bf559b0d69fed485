#include "piket/rota/fairness.hpp"

#include <algorithm>
#include <map>

#include "piket/rota/holidays.hpp"
#include "piket/rota/wall_clock.hpp"
#include "schedule.hpp"

namespace piket::rota {
namespace {

using common::Instant;

LocalTime midnight(date::local_days d) {
  return LocalTime{d.time_since_epoch()};
}

// Wall-clock stretches of each Amsterdam day in (or touching) `range`, as instants.
template <typename PerDay>
std::vector<TimeRange> daily(TimeRange range, PerDay per_day) {
  std::vector<TimeRange> out;
  const auto first = date::floor<date::days>(to_local(range.start)) - date::days{1};
  for (auto d = first; to_instant(midnight(d)) < range.end; d += date::days{1}) per_day(d, out);
  for (auto& r : out) {
    r.start = std::max(r.start, range.start);
    r.end = std::min(r.end, range.end);
  }
  return detail::merge_ranges(std::move(out));
}

struct Categories {
  std::vector<TimeRange> night, weekend, holiday;
};

Categories categories(TimeRange range, const FairnessOptions& options) {
  Categories c;
  c.night = daily(range, [&](date::local_days d, std::vector<TimeRange>& out) {
    const auto end_day = options.night_end <= options.night_start ? d + date::days{1} : d;
    out.push_back({to_instant(midnight(d) + options.night_start),
                   to_instant(midnight(end_day) + options.night_end)});
  });
  c.weekend = daily(range, [](date::local_days d, std::vector<TimeRange>& out) {
    const date::weekday wd{d};
    if (wd == date::Saturday || wd == date::Sunday)
      out.push_back({to_instant(midnight(d)), to_instant(midnight(d + date::days{1}))});
  });
  c.holiday = daily(range, [](date::local_days d, std::vector<TimeRange>& out) {
    if (is_dutch_public_holiday(date::year_month_day{d}))
      out.push_back({to_instant(midnight(d)), to_instant(midnight(d + date::days{1}))});
  });
  return c;
}

}  // namespace

std::vector<FairnessRow> fairness(const Rota& rota, TimeRange range,
                                  const FairnessOptions& options) {
  std::vector<FairnessRow> out;
  if (range.empty()) return out;
  const Categories cat = categories(range, options);
  for (const auto& ref : rota.layers()) {
    // Each person's time on call in this layer, as sorted merged ranges.
    std::map<std::string, std::vector<TimeRange>> on;
    for (const auto& person : rota.people(ref.layer, ref.region)) on[person];
    for (const auto& s : rota.timeline(ref.layer, ref.region, range)) {
      for (const auto& person : s.people) {
        auto& list = on[person];
        if (!list.empty() && list.back().end == s.start)
          list.back().end = s.end;
        else
          list.push_back(s.range());
      }
    }
    // Who was on call just before the range: their first stretch began earlier.
    const auto before = rota.on_call(ref.layer, ref.region, range.start - common::Millis{1});
    for (const auto& [person, list] : on) {
      FairnessRow row;
      row.region = ref.region;
      row.layer = ref.layer;
      row.person = person;
      for (const auto& r : list) {
        row.on_call += r.length();
        const bool began_before =
            r.start == range.start && std::binary_search(before.begin(), before.end(), person);
        if (!began_before) ++row.stretches;
      }
      row.night = detail::overlap(list, cat.night);
      row.weekend = detail::overlap(list, cat.weekend);
      row.holiday = detail::overlap(list, cat.holiday);
      out.push_back(std::move(row));
    }
  }
  return out;
}

}  // namespace piket::rota
