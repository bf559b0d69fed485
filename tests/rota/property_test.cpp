// Property tests over random rotas and overrides (seeded std::mt19937):
//  - at every sampled instant who_is_on_call agrees with an independent oracle
//    and with the timeline;
//  - the timeline's segments tile the range with no overlap, and the
//    precomputed and directly computed timelines agree on any sub-range;
//  - gaps are exactly the uncovered instants.
// The oracle evaluates one instant straight from the definition, using the tz
// database's UTC offsets and the rule as written in docs/rota-time-rules.md
// ("the first instant at which the Amsterdam clock reads T or later"), found by
// scanning minutes — no code shared with the library's sweep.
#include <date/tz.h>

#include <random>

#include "piket/rota/coverage.hpp"
#include "rota_test_support.hpp"

namespace piket::rota::test {
namespace {

using common::Millis;
using Wall = date::local_time<Millis>;  // an Amsterdam wall-clock reading

const date::time_zone* amsterdam() {
  static const auto* zone = date::locate_zone("Europe/Amsterdam");
  return zone;
}

Wall reading(Instant t) {
  return Wall{(t + amsterdam()->get_info(t).offset).time_since_epoch()};
}

// min { t : reading(t) >= wall }. Every t earlier than wall - 2h reads less
// than wall (offsets are at most +2h), and at wall - 1h it reads at least wall.
Instant first_reading(Wall wall) {
  Instant t{wall.time_since_epoch() - std::chrono::hours{2}};
  while (reading(t) < wall) t += std::chrono::minutes{1};
  return t;
}

Wall wall_of(date::year_month_day d, std::chrono::minutes m) {
  return Wall{date::local_days{d}.time_since_epoch()} + m;
}

bool in_windows(const std::vector<WeeklyWindow>& windows, Instant t) {
  const auto day = date::floor<date::days>(reading(t));
  const auto monday = day - (date::weekday{day} - date::Monday);
  for (int w = -1; w <= 1; ++w) {
    const Wall week{(monday + date::days{7 * w}).time_since_epoch()};
    for (const auto& win : windows) {
      const auto to = win.to + (win.to <= win.from ? kMinutesPerWeek : std::chrono::minutes{0});
      if (first_reading(week + win.from) <= t && t < first_reading(week + to)) return true;
    }
  }
  return false;
}

std::optional<std::string> oracle_member(const Rotation& r, Instant t) {
  const Wall first = wall_of(r.start, r.handoff);
  const auto n = static_cast<std::int64_t>(r.shift.cycle.size());
  const Millis cycle = r.shift.cycle_length();
  auto wall_at = [&](std::int64_t k) {
    Wall w = first + (k / n) * cycle;
    for (std::int64_t i = 0; i < k % n; ++i) w += r.shift.cycle[static_cast<std::size_t>(i)];
    return w;
  };
  auto boundary = [&](std::int64_t k) { return first_reading(wall_at(k)); };
  const Instant b0 = boundary(0);
  if (t < b0) return std::nullopt;
  if (r.end && t >= first_reading(wall_of(*r.end, r.handoff))) return std::nullopt;
  std::int64_t k = std::max<std::int64_t>(0, ((t - b0) / cycle) * n - n);
  EXPECT_LE(boundary(k), t);
  while (boundary(k + 1) <= t) ++k;
  if (!r.restrictions.empty() && !in_windows(r.restrictions, t)) return std::nullopt;
  const auto m = static_cast<std::int64_t>(r.members.size());
  return r.members[static_cast<std::size_t>(((k + r.offset) % m + m) % m)];
}

std::vector<std::string> oracle(const std::vector<Rotation>& rotations,
                                const std::vector<Override>& overrides, Instant t) {
  std::set<std::string> on;
  for (const auto& r : rotations)
    if (auto p = oracle_member(r, t)) on.insert(*p);
  for (const auto& o : overrides) {
    if (!o.window.contains(t)) continue;
    if (o.kind == OverrideKind::add) on.insert(o.person);
    if (o.kind == OverrideKind::remove) on.erase(o.person);
    if (o.kind == OverrideKind::replace && o.person != o.replaces && on.erase(o.replaces))
      on.insert(o.person);
  }
  return {on.begin(), on.end()};
}

// ---- random rotas ----

const std::vector<date::year_month_day> kFocus{
    ymd(2026, 3, 29), ymd(2026, 10, 25), ymd(2027, 3, 28), ymd(2027, 10, 31), ymd(2028, 2, 29)};
const std::vector<std::string> kPool{"p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"};

class Random {
 public:
  explicit Random(unsigned seed) : gen_(seed) {}
  int between(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(gen_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(gen_); }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[static_cast<std::size_t>(between(0, static_cast<int>(v.size()) - 1))];
  }

  std::chrono::minutes time_of_day() {
    if (chance(0.3)) return std::chrono::minutes{120 + between(0, 59)};  // the DST hour
    return std::chrono::minutes{15 * between(0, 95)};
  }

  ShiftLength shift() {
    switch (between(0, 3)) {
      case 0:
        return ShiftLength::hours(between(1, 48));
      case 1:
        return ShiftLength::days(between(1, 3));
      case 2:
        return ShiftLength::weeks(between(1, 2));
      default: {
        std::vector<int> hours;
        for (int i = between(1, 4); i > 0; --i) hours.push_back(between(1, 30));
        return ShiftLength::custom(hours);
      }
    }
  }

  std::vector<WeeklyWindow> restrictions() {
    std::vector<WeeklyWindow> out;
    if (!chance(0.35)) return out;
    for (int i = between(1, 3); i > 0; --i) {
      if (chance(0.5)) {  // daily form on some days
        const auto from = time_of_day(), to = time_of_day();
        if (from == to) continue;
        for (int d = 0; d < 7; ++d) {
          if (!chance(0.6)) continue;
          const auto f = std::chrono::hours{24 * d} + from;
          auto e = std::chrono::hours{24 * d} + to +
                   (to < from ? std::chrono::hours{24} : std::chrono::hours{0});
          out.push_back(WeeklyWindow{f % kMinutesPerWeek, e % kMinutesPerWeek});
        }
      } else {  // weekly form
        const auto f = std::chrono::hours{24 * between(0, 6)} + time_of_day();
        const auto e = std::chrono::hours{24 * between(0, 6)} + time_of_day();
        if (f != e) out.push_back(WeeklyWindow{f, e});
      }
    }
    return out;
  }

  Instant instant_in(TimeRange r) {
    const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(r.end - r.start).count();
    return r.start + std::chrono::minutes{between(0, static_cast<int>(minutes))};
  }

  std::mt19937& gen() { return gen_; }

 private:
  std::mt19937 gen_;
};

struct Case {
  RotaDefinition def;
  std::vector<Override> runtime;
  TimeRange range;
};

Case random_case(Random& rnd) {
  Case c;
  const auto focus = rnd.pick(kFocus);
  const Instant mid = first_reading(wall_of(focus, std::chrono::hours{12}));
  c.range = TimeRange{mid - std::chrono::minutes{rnd.between(60, 30 * 24 * 60)},
                      mid + std::chrono::minutes{rnd.between(60, 30 * 24 * 60)}};
  std::vector<Rotation> rotations;
  for (int i = rnd.between(1, 3); i > 0; --i) {
    Rotation r;
    r.name = "r" + std::to_string(i);
    r.shift = rnd.shift();
    r.handoff = rnd.time_of_day();
    r.start = date::year_month_day{date::sys_days{focus} - date::days{rnd.between(-10, 40)}};
    if (rnd.chance(0.2))
      r.end = date::year_month_day{date::sys_days{r.start} + date::days{rnd.between(5, 60)}};
    for (int m = rnd.between(1, 4); m > 0; --m) r.members.push_back(rnd.pick(kPool));
    r.offset = rnd.between(0, 3);
    r.restrictions = rnd.restrictions();
    rotations.push_back(std::move(r));
  }
  c.def = one_layer(rotations);
  auto overrides = [&](std::vector<Override>& out, int max) {
    for (int i = rnd.between(0, max); i > 0; --i) {
      Override o;
      o.id = "o" + std::to_string(out.size());
      o.region = "g";
      o.layer = "primary";
      o.kind = static_cast<OverrideKind>(rnd.between(0, 2));
      o.person = rnd.pick(kPool);
      o.replaces = rnd.pick(kPool);
      const TimeRange wide{c.range.start - 24h * 3, c.range.end + 24h * 3};
      Instant a = rnd.instant_in(wide), b = rnd.instant_in(wide);
      if (a > b) std::swap(a, b);
      if (a == b) b += 1h;
      o.window = TimeRange{a, b};
      out.push_back(std::move(o));
    }
  };
  overrides(c.def.overrides, 6);
  overrides(c.runtime, 3);
  return c;
}

std::string describe(const Case& c) {
  std::ostringstream out;
  out << "range " << common::format_rfc3339(c.range.start) << " .. "
      << common::format_rfc3339(c.range.end);
  for (const auto& r : c.def.regions[0].layers[0].rotations) {
    out << "\n  rotation start " << r.start << " handoff " << r.handoff.count() << "min cycle";
    for (auto l : r.shift.cycle) out << ' ' << l.count();
    out << " members";
    for (const auto& m : r.members) out << ' ' << m;
    out << " offset " << r.offset << " windows " << r.restrictions.size();
    if (r.end) out << " end " << *r.end;
  }
  out << "\n  overrides " << c.def.overrides.size() << " + " << c.runtime.size();
  return out.str();
}

constexpr int kCases = 300;

TEST(RotaProperty, OnCallTimelineAndGapsAgree) {
  Random rnd(20260329);
  for (int n = 0; n < kCases; ++n) {
    const Case c = random_case(rnd);
    SCOPED_TRACE("case " + std::to_string(n) + ": " + describe(c));
    std::vector<Override> all = c.def.overrides;
    all.insert(all.end(), c.runtime.begin(), c.runtime.end());
    const auto& rotations = c.def.regions[0].layers[0].rotations;

    const Rota indexed(c.def, c.runtime, c.range);
    const Rota direct(c.def, c.runtime, TimeRange{});
    const auto tl = indexed.timeline("primary", "g", c.range);

    // Tiling: contiguous, non-empty, canonical (neighbours differ).
    ASSERT_FALSE(tl.empty());
    ASSERT_EQ(tl.front().start, c.range.start);
    ASSERT_EQ(tl.back().end, c.range.end);
    for (std::size_t i = 0; i < tl.size(); ++i) {
      ASSERT_LT(tl[i].start, tl[i].end);
      ASSERT_TRUE(std::is_sorted(tl[i].people.begin(), tl[i].people.end()));
      if (i > 0) {
        ASSERT_EQ(tl[i - 1].end, tl[i].start);
        ASSERT_NE(tl[i - 1].people, tl[i].people);
      }
    }
    ASSERT_EQ(direct.timeline("primary", "g", c.range), tl);
    {
      Instant a = rnd.instant_in(c.range), b = rnd.instant_in(c.range);
      if (a > b) std::swap(a, b);
      ASSERT_EQ(indexed.timeline("primary", "g", {a, b}), direct.timeline("primary", "g", {a, b}));
    }

    // Samples: random instants, every handoff and the instant before it, and
    // the DST changes.
    std::vector<Instant> samples;
    for (int i = 0; i < 40; ++i)
      samples.push_back(rnd.instant_in(c.range) + Millis{rnd.between(0, 59999)});
    for (const auto& s : tl) {
      samples.push_back(s.start);
      if (s.start > c.range.start) samples.push_back(s.start - Millis{1});
    }
    for (const char* change : {"2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z",
                               "2027-03-28T01:00:00Z", "2027-10-31T01:00:00Z"})
      for (Millis d : {Millis{-1}, Millis{0}, Millis{1}}) samples.push_back(utc(change) + d);
    std::erase_if(samples, [&](Instant t) { return !c.range.contains(t); });
    if (samples.size() > 160) samples.resize(160);

    const auto holes = gaps(indexed, "primary", "g", c.range);
    for (std::size_t i = 1; i < holes.size(); ++i) ASSERT_LT(holes[i - 1].end, holes[i].start);
    for (const Instant t : samples) {
      const auto expected = oracle(rotations, all, t);
      const auto got = who_is_on_call(indexed, "primary", "g", t);
      ASSERT_EQ(got, expected) << "at " << common::format_rfc3339(t);
      ASSERT_EQ(direct.on_call("primary", "g", t), expected) << "at " << common::format_rfc3339(t);
      const auto seg = std::upper_bound(tl.begin(), tl.end(), t,
                                        [](Instant x, const Segment& s) { return x < s.start; }) -
                       1;
      ASSERT_TRUE(seg->range().contains(t));
      ASSERT_EQ(seg->people, expected) << "at " << common::format_rfc3339(t);
      const bool in_gap = std::any_of(holes.begin(), holes.end(),
                                      [&](const TimeRange& g) { return g.contains(t); });
      ASSERT_EQ(in_gap, expected.empty()) << "at " << common::format_rfc3339(t);
    }
    // And every uncovered segment is one gap, every gap an uncovered segment.
    std::vector<TimeRange> uncovered;
    for (const auto& s : tl)
      if (s.gap()) uncovered.push_back(s.range());
    ASSERT_EQ(holes, uncovered);
  }
}

}  // namespace
}  // namespace piket::rota::test
