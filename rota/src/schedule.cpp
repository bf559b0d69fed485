#include "schedule.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "piket/rota/wall_clock.hpp"

namespace piket::rota::detail {
namespace {

using common::Instant;
using common::Millis;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

std::size_t positive_mod(std::int64_t a, std::size_t n) {
  const auto m = static_cast<std::int64_t>(n);
  return static_cast<std::size_t>(((a % m) + m) % m);
}

LocalTime at_handoff(date::year_month_day day, std::chrono::minutes handoff) {
  return LocalTime{date::local_days{day}.time_since_epoch()} + handoff;
}

// Clips sorted shifts to sorted, merged windows.
std::vector<Shift> mask(const std::vector<Shift>& shifts, const std::vector<TimeRange>& windows) {
  std::vector<Shift> out;
  std::size_t w = 0;
  for (const auto& s : shifts) {
    while (w < windows.size() && windows[w].end <= s.range.start) ++w;
    for (std::size_t i = w; i < windows.size() && windows[i].start < s.range.end; ++i) {
      TimeRange piece{std::max(s.range.start, windows[i].start),
                      std::min(s.range.end, windows[i].end)};
      if (!piece.empty()) out.push_back(Shift{piece, s.person});
    }
  }
  return out;
}

}  // namespace

std::vector<TimeRange> merge_ranges(std::vector<TimeRange> ranges) {
  std::erase_if(ranges, [](const TimeRange& r) { return r.empty(); });
  std::sort(ranges.begin(), ranges.end(),
            [](const TimeRange& a, const TimeRange& b) { return a.start < b.start; });
  std::vector<TimeRange> out;
  for (const auto& r : ranges) {
    if (!out.empty() && r.start <= out.back().end)
      out.back().end = std::max(out.back().end, r.end);
    else
      out.push_back(r);
  }
  return out;
}

Millis overlap(const std::vector<TimeRange>& a, const std::vector<TimeRange>& b) {
  Millis total{0};
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const auto s = std::max(a[i].start, b[j].start);
    const auto e = std::min(a[i].end, b[j].end);
    if (s < e) total += e - s;
    if (a[i].end < b[j].end)
      ++i;
    else
      ++j;
  }
  return total;
}

std::vector<TimeRange> window_ranges(const std::vector<WeeklyWindow>& windows, TimeRange range) {
  std::vector<TimeRange> out;
  if (range.empty() || windows.empty()) return out;
  const auto first_day = date::floor<date::days>(to_local(range.start));
  const date::weekday wd{first_day};
  // Monday of the week before: a window of the previous week can wrap into this one.
  const auto monday = first_day - (wd - date::Monday) - date::days{7};
  for (auto week = monday;; week += date::days{7}) {
    const LocalTime week_start{week.time_since_epoch()};
    if (to_instant(week_start) >= range.end) break;
    for (const auto& w : windows) {
      const LocalTime from = week_start + w.from;
      const LocalTime to =
          week_start + w.to + (w.to <= w.from ? kMinutesPerWeek : std::chrono::minutes{0});
      TimeRange r{std::max(to_instant(from), range.start), std::min(to_instant(to), range.end)};
      if (!r.empty()) out.push_back(r);
    }
  }
  return merge_ranges(std::move(out));
}

std::vector<Shift> rotation_shifts(const Rotation& rotation, TimeRange range) {
  std::vector<Shift> out;
  const auto& cycle = rotation.shift.cycle;
  if (rotation.members.empty() || cycle.empty() || range.empty()) return out;
  const LocalTime first = at_handoff(rotation.start, rotation.handoff);
  const Instant active_start = to_instant(first);
  const Instant active_end =
      rotation.end ? to_instant(at_handoff(*rotation.end, rotation.handoff)) : Instant::max();
  const Instant a = std::max(range.start, active_start);
  const Instant b = std::min(range.end, active_end);
  if (a >= b) return out;

  // Start at a shift whose wall-clock start the clock has passed at `a`: its
  // instant is at or before `a` (to_instant is the first instant reading it).
  const Millis cycle_ms = rotation.shift.cycle_length();
  const auto n = static_cast<std::int64_t>(cycle.size());
  std::int64_t cycles = floor_div((to_local(a) - first).count(), cycle_ms.count());
  if (cycles < 0) cycles = 0;
  std::int64_t k = cycles * n;
  LocalTime wall = first + cycles * cycle_ms;
  Instant start = to_instant(wall);
  while (start < b) {
    const LocalTime next_wall = wall + cycle[static_cast<std::size_t>(k % n)];
    const Instant end = to_instant(next_wall);
    if (end > a && end > start) {
      TimeRange r{std::max(start, a), std::min(end, b)};
      if (!r.empty())
        out.push_back(Shift{
            r, &rotation.members[positive_mod(k + rotation.offset, rotation.members.size())]});
    }
    wall = next_wall;
    start = end;
    ++k;
  }
  if (!rotation.restrictions.empty())
    out = mask(out, window_ranges(rotation.restrictions, TimeRange{a, b}));
  return out;
}

std::vector<Segment> compute_timeline(std::span<const Rotation* const> rotations,
                                      std::span<const Override* const> overrides, TimeRange range) {
  std::vector<Segment> out;
  if (range.empty()) return out;

  // Events: +1/-1 for a person's shift, on/off for an override (by order).
  struct Event {
    Instant at;
    int delta;                  // for shifts; 0 for overrides
    const std::string* person;  // shifts
    std::size_t override_index;
    bool override_on;
  };
  std::vector<Event> events;
  for (const Rotation* rotation : rotations) {
    for (const auto& s : rotation_shifts(*rotation, range)) {
      events.push_back(Event{s.range.start, +1, s.person, 0, false});
      events.push_back(Event{s.range.end, -1, s.person, 0, false});
    }
  }
  for (std::size_t i = 0; i < overrides.size(); ++i) {
    const TimeRange w{std::max(overrides[i]->window.start, range.start),
                      std::min(overrides[i]->window.end, range.end)};
    if (w.empty()) continue;
    events.push_back(Event{w.start, 0, nullptr, i, true});
    events.push_back(Event{w.end, 0, nullptr, i, false});
  }
  std::sort(events.begin(), events.end(),
            [](const Event& x, const Event& y) { return x.at < y.at; });

  std::map<std::string_view, int> count;
  std::set<std::size_t> active;
  std::vector<std::string> people;
  std::size_t e = 0;
  Instant now = range.start;
  while (now < range.end) {
    for (; e < events.size() && events[e].at <= now; ++e) {
      const auto& ev = events[e];
      if (ev.person) {
        if ((count[*ev.person] += ev.delta) == 0) count.erase(*ev.person);
      } else if (ev.override_on) {
        active.insert(ev.override_index);
      } else {
        active.erase(ev.override_index);
      }
    }
    const Instant next = e < events.size() ? events[e].at : range.end;

    people.clear();
    for (const auto& [p, c] : count) people.emplace_back(p);
    for (std::size_t i : active) {
      const Override& o = *overrides[i];
      const auto has = [&](const std::string& who) {
        return std::binary_search(people.begin(), people.end(), who);
      };
      const auto insert = [&](const std::string& who) {
        auto it = std::lower_bound(people.begin(), people.end(), who);
        if (it == people.end() || *it != who) people.insert(it, who);
      };
      const auto erase = [&](const std::string& who) {
        auto it = std::lower_bound(people.begin(), people.end(), who);
        if (it != people.end() && *it == who) people.erase(it);
      };
      switch (o.kind) {
        case OverrideKind::add:
          insert(o.person);
          break;
        case OverrideKind::remove:
          erase(o.person);
          break;
        case OverrideKind::replace:
          if (o.person != o.replaces && has(o.replaces)) {
            erase(o.replaces);
            insert(o.person);
          }
          break;
      }
    }
    if (!out.empty() && out.back().people == people)
      out.back().end = next;
    else
      out.push_back(Segment{now, next, people});
    now = next;
  }
  return out;
}

}  // namespace piket::rota::detail
