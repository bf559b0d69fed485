#include "piket/rota/rota_file.hpp"

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "piket/common/toml_reader.hpp"
#include "piket/rota/wall_clock.hpp"

namespace piket::rota {
namespace {

using common::Instant;
using std::chrono::minutes;

const std::regex kClock{R"(^(?:(mon|tue|wed|thu|fri|sat|sun) +)?([0-9]{2}):([0-9]{2})$)"};
const std::regex kShiftWord{R"(^(?:([0-9]{1,3}) +)?(day|days|week|weeks)$)"};
constexpr std::array<std::string_view, 7> kWeekdays{"mon", "tue", "wed", "thu",
                                                    "fri", "sat", "sun"};

constexpr std::size_t kMaxRotations = 2000;
constexpr std::size_t kMaxOverrides = 20000;

// The shared TOML reader (every problem with its line), plus the rota's own
// value types: people of the deployment, dates, instants, clocks, shifts.
class Reader : public common::TomlReader {
 public:
  Reader(std::string file, const std::vector<PersonConfig>& people) : TomlReader(std::move(file)) {
    for (const auto& p : people) people_.emplace(p.id, &p);
  }

  const toml::node* required(const toml::table& t, const std::string& prefix,
                             std::string_view key) {
    const toml::node* n = t.get(key);
    if (!n) error(t.source(), prefix + std::string(key), "required key is missing");
    return n;
  }

  // A person id known to the deployment and serving `region`.
  std::optional<std::string> person(const toml::node& n, const std::string& key,
                                    const std::string& region) {
    if (!n.is_string()) {
      error(n.source(), key, "must be a person id (a string)");
      return std::nullopt;
    }
    std::string v = n.as_string()->get();
    const auto p = people_.find(v);
    if (p == people_.end()) {
      error(n.source(), key, "unknown person " + v + " (not in the deployment's [[people]])");
      return std::nullopt;
    }
    const auto& regions = p->second->regions;
    if (!region.empty() && std::find(regions.begin(), regions.end(), region) == regions.end()) {
      error(n.source(), key, v + " does not serve region " + region);
      return std::nullopt;
    }
    return v;
  }

  // A calendar date: a TOML date (2026-01-05) or the string "2026-01-05".
  std::optional<date::year_month_day> day(const toml::table& t, const std::string& prefix,
                                          std::string_view key, bool is_required) {
    const toml::node* n = is_required ? required(t, prefix, key) : t.get(key);
    if (!n) return std::nullopt;
    const std::string name = prefix + std::string(key);
    std::optional<date::year_month_day> d;
    if (const auto* v = n->as_date()) {
      d = to_ymd(v->get());
    } else if (const auto* s = n->as_string()) {
      static const std::regex re{R"(^([0-9]{4})-([0-9]{2})-([0-9]{2})$)"};
      std::smatch m;
      const std::string text = s->get();
      if (std::regex_match(text, m, re))
        d = date::year_month_day{date::year{std::stoi(m[1])},
                                 date::month{static_cast<unsigned>(std::stoi(m[2]))},
                                 date::day{static_cast<unsigned>(std::stoi(m[3]))}};
    }
    if (!d || !d->ok() || d->year() < date::year{2000} || d->year() > date::year{2200}) {
      error(n->source(), name, "must be a date such as 2026-01-05 (years 2000-2200)");
      return std::nullopt;
    }
    return d;
  }

  // An instant: a TOML date-time with an offset (exact), without one or a
  // string without one (Amsterdam wall clock), or RFC 3339 text.
  std::optional<Instant> instant(const toml::table& t, const std::string& prefix,
                                 std::string_view key) {
    const toml::node* n = required(t, prefix, key);
    if (!n) return std::nullopt;
    const std::string name = prefix + std::string(key);
    if (const auto* v = n->as_date_time()) {
      const auto& dt = v->get();
      const auto d = to_ymd(dt.date);
      if (!d.ok()) {
        error(n->source(), name, "invalid date");
        return std::nullopt;
      }
      const LocalTime wall = LocalTime{date::local_days{d}.time_since_epoch()} +
                             std::chrono::hours{dt.time.hour} + minutes{dt.time.minute} +
                             std::chrono::seconds{dt.time.second};
      if (!dt.offset) return to_instant(wall);
      return Instant{wall.time_since_epoch()} - minutes{dt.offset->minutes};
    }
    if (const auto* v = n->as_date()) {
      const auto d = to_ymd(v->get());
      if (d.ok()) return to_instant(LocalTime{date::local_days{d}.time_since_epoch()});
    }
    if (const auto* s = n->as_string()) {
      if (auto t2 = parse_time(s->get())) return t2;
    }
    error(n->source(), name,
          "must be a date-time such as 2026-03-02T08:00:00 (Amsterdam) or 2026-03-02T07:00:00Z");
    return std::nullopt;
  }

  // "HH:MM" (or a TOML time) within the day.
  std::optional<minutes> time_of_day(const toml::table& t, const std::string& prefix,
                                     std::string_view key, bool is_required) {
    const toml::node* n = is_required ? required(t, prefix, key) : t.get(key);
    if (!n) return std::nullopt;
    if (const auto* v = n->as_time()) {
      const auto& tm = v->get();
      if (tm.second == 0 && tm.nanosecond == 0)
        return std::chrono::hours{tm.hour} + minutes{tm.minute};
    } else if (const auto* s = n->as_string()) {
      auto c = clock(s->get());
      if (c && !c->weekday) return c->time;
    }
    error(n->source(), prefix + std::string(key), "must be a time of day such as \"08:00\"");
    return std::nullopt;
  }

  struct Clock {
    std::optional<int> weekday;  // 0 = Monday
    minutes time;
  };
  static std::optional<Clock> clock(const std::string& text) {
    std::smatch m;
    if (!std::regex_match(text, m, kClock)) return std::nullopt;
    const int h = std::stoi(m[2]), mi = std::stoi(m[3]);
    if (h > 23 || mi > 59) return std::nullopt;
    Clock c{std::nullopt, std::chrono::hours{h} + minutes{mi}};
    if (m[1].matched)
      for (int i = 0; i < 7; ++i)
        if (kWeekdays[static_cast<std::size_t>(i)] == m[1].str()) c.weekday = i;
    return c;
  }

  std::optional<ShiftLength> shift(const toml::table& t, const std::string& prefix) {
    const toml::node* n = required(t, prefix, "shift");
    if (!n) return std::nullopt;
    const std::string name = prefix + "shift";
    if (n->is_integer()) {
      if (auto h = integer(*n, name, 1, 24 * 366)) return ShiftLength::hours(static_cast<int>(*h));
      return std::nullopt;
    }
    if (const auto* s = n->as_string()) {
      std::smatch m;
      const std::string text = s->get();
      if (std::regex_match(text, m, kShiftWord)) {
        const int count = m[1].matched ? std::stoi(m[1]) : 1;
        const bool week = m[2].str().starts_with("week");
        if (count >= 1 && count <= (week ? 52 : 366))
          return week ? ShiftLength::weeks(count) : ShiftLength::days(count);
      }
    } else if (const auto* a = n->as_array()) {
      std::vector<int> hours;
      bool ok = !a->empty() && a->size() <= 100;
      for (std::size_t i = 0; i < a->size() && ok; ++i) {
        auto h = integer(*a->get(i), name + "[" + std::to_string(i) + "]", 1, 24 * 31);
        if (!h) return std::nullopt;
        hours.push_back(static_cast<int>(*h));
      }
      if (ok) return ShiftLength::custom(hours);
    }
    error(n->source(), name,
          "must be \"day\", \"week\", \"N days\", \"N weeks\", a number of hours, or a list of "
          "1-100 hour counts such as [12, 12, 24]");
    return std::nullopt;
  }

  std::vector<WeeklyWindow> restrictions(const toml::table& t, const std::string& prefix) {
    std::vector<WeeklyWindow> out;
    const toml::node* n = t.get("restrict");
    if (!n) return out;
    const std::string name = prefix + "restrict";
    const toml::array* a = n->as_array();
    if (!a || !a->is_array_of_tables() || a->empty()) {
      error(n->source(), name,
            "must be a list of windows such as [{ from = \"18:00\", to = \"08:00\" }]");
      return out;
    }
    for (std::size_t i = 0; i < a->size(); ++i) {
      const toml::table& w = *a->get(i)->as_table();
      const std::string p = name + "[" + std::to_string(i) + "].";
      only_known(w, p, {"from", "to", "days"});
      auto from_s = string(w, p, "from", true);
      auto to_s = string(w, p, "to", true);
      if (!from_s || !to_s) continue;
      auto from = clock(*from_s);
      auto to = clock(*to_s);
      if (!from) error(w.get("from")->source(), p + "from", "must be \"HH:MM\" or \"fri 18:00\"");
      if (!to) error(w.get("to")->source(), p + "to", "must be \"HH:MM\" or \"mon 08:00\"");
      if (!from || !to) continue;
      if (from->weekday.has_value() != to->weekday.has_value()) {
        error(w.source(), p + "to", "give a weekday in both from and to, or in neither");
        continue;
      }
      if (from->weekday) {
        if (w.get("days"))
          error(w.get("days")->source(), p + "days", "not with weekdays in from/to");
        const auto f = std::chrono::hours{24} * *from->weekday + from->time;
        const auto e = std::chrono::hours{24} * *to->weekday + to->time;
        if (f == e) {
          error(w.source(), p + "to", "a window must not be empty (from equals to)");
          continue;
        }
        out.push_back(WeeklyWindow{f, e});
        continue;
      }
      if (from->time == to->time) {
        error(w.source(), p + "to", "a window must not be empty (from equals to)");
        continue;
      }
      std::vector<int> days{0, 1, 2, 3, 4, 5, 6};
      if (const toml::node* dn = w.get("days")) {
        days.clear();
        const toml::array* da = dn->as_array();
        if (!da || da->empty()) {
          error(dn->source(), p + "days", "must be a list of weekdays such as [\"sat\", \"sun\"]");
          continue;
        }
        for (std::size_t j = 0; j < da->size(); ++j) {
          const auto* s = da->get(j)->as_string();
          int found = -1;
          for (int d = 0; s && d < 7; ++d)
            if (kWeekdays[static_cast<std::size_t>(d)] == s->get()) found = d;
          if (found < 0)
            error(da->get(j)->source(), p + "days[" + std::to_string(j) + "]",
                  "must be one of mon, tue, wed, thu, fri, sat, sun");
          else
            days.push_back(found);
        }
      }
      for (int d : days) {
        const auto f = std::chrono::hours{24} * d + from->time;
        auto e = std::chrono::hours{24} * d + to->time;
        if (to->time < from->time) e += std::chrono::hours{24};
        out.push_back(WeeklyWindow{f % kMinutesPerWeek, e % kMinutesPerWeek});
      }
    }
    return out;
  }

 private:
  static date::year_month_day to_ymd(const toml::date& d) {
    return date::year_month_day{date::year{d.year}, date::month{d.month}, date::day{d.day}};
  }

  std::map<std::string, const PersonConfig*, std::less<>> people_;
};

}  // namespace

RotaDefinition parse_rota_file(std::string_view text, const std::string& file_name,
                               const std::vector<PersonConfig>& people) {
  toml::table root;
  try {
    root = toml::parse(text, file_name);
  } catch (const toml::parse_error& e) {
    std::ostringstream out;
    out << file_name << ':' << e.source().begin.line << ": " << e.description();
    throw RotaFileError(out.str());
  }
  Reader r(file_name, people);
  r.only_known(root, "", {"rotations", "overrides"});
  RotaDefinition def;

  auto layer_of = [&](const std::string& region, const std::string& layer) -> LayerDefinition& {
    auto it = std::find_if(def.regions.begin(), def.regions.end(),
                           [&](const RegionDefinition& x) { return x.id == region; });
    if (it == def.regions.end()) {
      def.regions.push_back(RegionDefinition{region, {}});
      it = def.regions.end() - 1;
    }
    auto l = std::find_if(it->layers.begin(), it->layers.end(),
                          [&](const LayerDefinition& x) { return x.name == layer; });
    if (l == it->layers.end()) {
      it->layers.push_back(LayerDefinition{layer, {}});
      l = it->layers.end() - 1;
    }
    return *l;
  };

  std::set<std::string> rotation_names;
  const auto rotation_tables = r.tables(root, "rotations", kMaxRotations);
  for (std::size_t i = 0; i < rotation_tables.size(); ++i) {
    const toml::table& t = *rotation_tables[i];
    const std::string p = "rotations[" + std::to_string(i) + "].";
    r.only_known(t, p,
                 {"region", "layer", "name", "shift", "handoff", "start", "end", "members",
                  "offset", "restrict"});
    Rotation rot;
    const auto region = r.id(t, p, "region", true);
    const auto layer = r.id(t, p, "layer", true);
    if (auto s = r.shift(t, p)) rot.shift = *s;
    if (auto h = r.time_of_day(t, p, "handoff", true)) rot.handoff = *h;
    if (auto d = r.day(t, p, "start", true)) rot.start = *d;
    rot.end = r.day(t, p, "end", false);
    if (rot.end && rot.start.ok() && date::sys_days{*rot.end} <= date::sys_days{rot.start})
      r.error(t.get("end")->source(), p + "end", "must be after start");
    if (auto o = r.integer(t, p, "offset", 0, 10000)) rot.offset = static_cast<int>(*o);
    rot.restrictions = r.restrictions(t, p);

    if (const toml::node* m = r.required(t, p, "members")) {
      const toml::array* a = m->as_array();
      if (!a || a->empty() || a->size() > 1000) {
        r.error(m->source(), p + "members", "must be a list of 1-1000 person ids");
      } else {
        for (std::size_t j = 0; j < a->size(); ++j)
          if (auto id = r.person(*a->get(j), p + "members[" + std::to_string(j) + "]",
                                 region.value_or("")))
            rot.members.push_back(*id);
      }
    }
    if (!region || !layer) continue;
    auto& target = layer_of(*region, *layer);
    rot.name = r.id(t, p, "name", false)
                   .value_or(*layer + "-" + std::to_string(target.rotations.size() + 1));
    if (!rotation_names.insert(*region + "/" + *layer + "/" + rot.name).second)
      r.error(t.source(), p + "name",
              "duplicate rotation " + rot.name + " in " + *region + "/" + *layer);
    target.rotations.push_back(std::move(rot));
  }

  std::set<std::string> override_ids;
  const auto override_tables = r.tables(root, "overrides", kMaxOverrides);
  for (std::size_t i = 0; i < override_tables.size(); ++i) {
    const toml::table& t = *override_tables[i];
    const std::string p = "overrides[" + std::to_string(i) + "].";
    r.only_known(t, p, {"id", "region", "layer", "kind", "person", "replaces", "from", "to"});
    Override o;
    o.id = r.id(t, p, "id", false).value_or("file-" + std::to_string(t.source().begin.line));
    if (!override_ids.insert(o.id).second)
      r.error(t.source(), p + "id", "duplicate override id " + o.id);
    o.region = r.id(t, p, "region", true).value_or("");
    o.layer = r.id(t, p, "layer", true).value_or("");
    std::optional<OverrideKind> kind;
    if (auto k = r.string(t, p, "kind", true)) {
      if (*k == "replace")
        kind = OverrideKind::replace;
      else if (*k == "add")
        kind = OverrideKind::add;
      else if (*k == "remove")
        kind = OverrideKind::remove;
      else
        r.error(t.get("kind")->source(), p + "kind", "must be \"replace\", \"add\" or \"remove\"");
    }
    if (kind) o.kind = *kind;
    if (const toml::node* n = r.required(t, p, "person"))
      o.person = r.person(*n, p + "person", o.region).value_or("");
    if (const toml::node* n = t.get("replaces")) {
      if (kind && kind != OverrideKind::replace)
        r.error(n->source(), p + "replaces", "only for kind = \"replace\"");
      else
        o.replaces = r.person(*n, p + "replaces", o.region).value_or("");
    } else if (kind == OverrideKind::replace) {
      r.error(t.source(), p + "replaces", "required key is missing (kind = \"replace\")");
    }
    const auto from = r.instant(t, p, "from");
    const auto to = r.instant(t, p, "to");
    if (from && to) {
      if (*to <= *from) r.error(t.get("to")->source(), p + "to", "must be after from");
      o.window = TimeRange{*from, *to};
    }
    def.overrides.push_back(std::move(o));
  }

  if (!r.errors().empty()) throw RotaFileError(r.all_errors());
  return def;
}

RotaDefinition load_rota_file(const std::filesystem::path& file,
                              const std::vector<PersonConfig>& people) {
  std::ifstream in(file);
  if (!in) throw RotaFileError(file.string() + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  const std::string contents = text.str();
  if (contents.size() > 16 * 1024 * 1024)
    throw RotaFileError(file.string() + ": larger than 16 MiB");
  return parse_rota_file(contents, file.string(), people);
}

}  // namespace piket::rota
