#include "piket/planner/scenario.hpp"

#include <limits>
#include <sstream>

#include "piket/common/time_format.hpp"
#include "piket/common/toml_reader.hpp"

namespace piket::planner {
namespace {

using common::IncidentKind;
using common::TomlReader;

constexpr double kMaxMinutes = 60.0 * 24 * 3650;  // ten years, in minutes

std::optional<Distribution> parse_distribution(TomlReader& r, const toml::table& parent,
                                               const std::string& prefix, std::string_view key) {
  const auto* t = r.table(parent, prefix, key);
  if (!t) return std::nullopt;
  const std::string p = prefix + std::string(key) + ".";
  const auto dist = r.string(*t, p, "dist", true, 20);
  if (!dist) return std::nullopt;
  auto value = [&](std::string_view k) -> std::optional<double> {
    if (!t->get(k)) {
      r.error_at_table(*t, p + std::string(k), "required for dist = \"" + *dist + "\"");
      return std::nullopt;
    }
    return r.number(*t, p, k, 0, kMaxMinutes);
  };
  Distribution d;
  if (*dist == "fixed") {
    r.only_known(*t, p, {"dist", "value"});
    const auto v = value("value");
    if (!v) return std::nullopt;
    return Distribution::fixed(*v);
  }
  if (*dist == "uniform") {
    r.only_known(*t, p, {"dist", "min", "max"});
    const auto lo = value("min");
    const auto hi = value("max");
    if (!lo || !hi) return std::nullopt;
    if (*hi < *lo) {
      r.error(t->get("max")->source(), p + "max", "must not be below min");
      return std::nullopt;
    }
    return Distribution::uniform(*lo, *hi);
  }
  if (*dist == "exponential") {
    r.only_known(*t, p, {"dist", "mean"});
    const auto m = value("mean");
    if (!m) return std::nullopt;
    return Distribution::exponential(*m);
  }
  if (*dist == "lognormal") {
    r.only_known(*t, p, {"dist", "median", "p90"});
    const auto median = value("median");
    const auto p90 = value("p90");
    if (!median || !p90) return std::nullopt;
    if (*median <= 0 || *p90 <= *median) {
      r.error(t->get("p90")->source(), p + "p90", "must be above median, and median above 0");
      return std::nullopt;
    }
    return Distribution{Distribution::Kind::lognormal, *median, *p90};
  }
  r.error(t->get("dist")->source(), p + "dist",
          "must be one of fixed, uniform, exponential, lognormal");
  return std::nullopt;
}

// A profile of `N` relative weights, each 0..1000, not all zero.
template <std::size_t N>
void parse_profile(TomlReader& r, const toml::table& t, std::string_view key,
                   std::array<double, N>& out) {
  out.fill(1.0);
  const toml::node* n = t.get(key);
  if (!n) return;
  const std::string name = "arrivals." + std::string(key);
  const toml::array* a = n->as_array();
  if (!a || a->size() != N) {
    r.error(n->source(), name, "must be a list of " + std::to_string(N) + " numbers");
    return;
  }
  double sum = 0;
  for (std::size_t i = 0; i < N; ++i) {
    const toml::node& e = *a->get(i);
    const auto v = e.value<double>();
    if (!v || *v < 0 || *v > 1000) {
      r.error(e.source(), name + "[" + std::to_string(i) + "]", "must be a number 0..1000");
      continue;
    }
    out[i] = *v;
    sum += *v;
  }
  if (sum <= 0) r.error(n->source(), name, "must not be all zero");
}

// The kinds that ask for someone to go out (the others change a case's ban).
constexpr std::array<IncidentKind, 4> kArrivalKinds{IncidentKind::home_ban, IncidentKind::code_red,
                                                    IncidentKind::repeat_incident,
                                                    IncidentKind::ban_violation};

std::string read_text(const std::filesystem::path& file) {
  try {
    return common::read_config_file(file);  // at most 4 MiB
  } catch (const common::ConfigError& e) {
    throw ScenarioError(e.what());
  }
}

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& p) {
  std::filesystem::path path(p);
  return path.is_absolute() ? path : base / path;
}

void parse_arrivals(TomlReader& r, const toml::table& root, const std::filesystem::path& base,
                    Scenario& s) {
  const auto* t = r.table(root, "", "arrivals");
  if (!t) {
    r.error_at_table(root, "arrivals", "required: the incidents per week by kind, or a csv");
    return;
  }
  r.only_known(*t, "arrivals.",
               {"home_ban", "code_red", "repeat_incident", "ban_violation", "hour_profile",
                "day_profile", "csv"});
  for (const auto kind : kArrivalKinds) {
    const auto key = std::string(common::to_string(kind));
    if (auto v = r.number(*t, "arrivals.", key, 0, 1000); v && *v > 0)
      s.arrivals.streams.push_back({kind, *v});
  }
  parse_profile(r, *t, "hour_profile", s.arrivals.hour_profile);
  parse_profile(r, *t, "day_profile", s.arrivals.day_profile);
  if (auto csv = r.string(*t, "arrivals.", "csv", false, 1000)) {
    try {
      const auto file = resolve(base, *csv);
      s.arrivals.fixed = parse_arrivals_csv(read_text(file), file.string());
    } catch (const ScenarioError& e) {
      r.error(t->get("csv")->source(), "arrivals.csv", e.what());
    }
  } else if (s.arrivals.streams.empty()) {
    r.error_at_table(*t, "arrivals",
                     "no incidents: give home_ban, code_red, repeat_incident or ban_violation "
                     "per week, or a csv");
  }
}

void parse_head(TomlReader& r, const std::filesystem::path& base, Scenario& s) {
  const auto* t = r.table(r.root(), "", "scenario");
  if (!t) {
    r.error_at_table(r.root(), "scenario", "required: region, start, deployment");
    return;
  }
  const std::string p = "scenario.";
  r.only_known(*t, p, {"region", "start", "days", "warmup_days", "seed", "deployment", "rota"});
  if (auto v = r.id(*t, p, "region", true)) s.region = *v;
  if (auto v = r.instant(*t, p, "start", true)) s.start = *v;
  common::set_if(r.integer(*t, p, "days", 1, 3 * 366), s.days);
  common::set_if(r.integer(*t, p, "warmup_days", 0, 366), s.warmup_days);
  if (auto v = r.integer(*t, p, "seed", 0, std::numeric_limits<std::int64_t>::max()))
    s.seed = static_cast<std::uint64_t>(*v);
  if (auto v = r.string(*t, p, "deployment", true, 1000)) s.deployment = resolve(base, *v);
  if (auto v = r.string(*t, p, "rota", false, 1000)) s.rota = resolve(base, *v);
}

void parse_people_model(TomlReader& r, const toml::table& root, PeopleModel& m) {
  const auto* t = r.table(root, "", "people");
  if (!t) return;  // the defaults (docs/planning.md)
  r.only_known(*t, "people.",
               {"acknowledge", "travel", "intake", "plan", "visit", "intensive_days",
                "visits_per_week", "routine", "sick_share", "sick_spell_days", "busy_declines"});
  const std::string p = "people.";
  auto dist = [&](std::string_view key, Distribution& out) {
    if (auto d = parse_distribution(r, *t, p, key)) out = *d;
  };
  dist("acknowledge", m.acknowledge);
  dist("travel", m.travel);
  dist("intake", m.intake);
  dist("plan", m.plan);
  dist("visit", m.visit);
  dist("intensive_days", m.intensive_days);
  dist("routine", m.routine);
  common::set_if(r.number(*t, p, "visits_per_week", 0, 20), m.visits_per_week);
  common::set_if(r.number(*t, p, "sick_share", 0, 0.5), m.sick_share);
  common::set_if(r.number(*t, p, "sick_spell_days", 0.5, 365), m.sick_spell_days);
  common::set_if(r.boolean(*t, p, "busy_declines"), m.busy_declines);
}

}  // namespace

std::vector<FixedArrival> parse_arrivals_csv(std::string_view text, const std::string& file_name) {
  std::vector<FixedArrival> out;
  std::istringstream in{std::string(text)};
  std::string line;
  int n = 0;
  constexpr std::size_t kMaxArrivals = 1'000'000;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    const auto where = file_name + ":" + std::to_string(n) + ": ";
    const auto comma = line.find(',');
    if (comma == std::string::npos)
      throw ScenarioError(where + "expected \"<RFC 3339 time>,<kind>\"");
    const auto at = common::parse_rfc3339(line.substr(0, comma));
    if (!at) throw ScenarioError(where + "time: must be RFC 3339 with offset");
    const auto kind = common::parse_incident_kind(line.substr(comma + 1));
    bool known = false;
    for (const auto k : kArrivalKinds) known = known || (kind && *kind == k);
    if (!known)
      throw ScenarioError(where +
                          "kind: must be home_ban, code_red, repeat_incident or ban_violation");
    if (out.size() >= kMaxArrivals)
      throw ScenarioError(where + "more than " + std::to_string(kMaxArrivals) + " arrivals");
    out.push_back({*at, *kind});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const FixedArrival& a, const FixedArrival& b) { return a.at < b.at; });
  return out;
}

Scenario parse_scenario(std::string_view text, const std::string& file_name,
                        const std::filesystem::path& base) {
  Scenario s;
  s.file = file_name;
  try {
    common::parse_config_file(text, file_name, {"scenario", "arrivals", "people"},
                              [&](TomlReader& r) {
                                parse_head(r, base, s);
                                parse_arrivals(r, r.root(), base, s);
                                parse_people_model(r, r.root(), s.people);
                              });
  } catch (const common::ConfigError& e) {
    throw ScenarioError(e.what());
  }
  return s;
}

Scenario load_scenario(const std::filesystem::path& file) {
  return parse_scenario(read_text(file), file.string(), file.parent_path());
}

}  // namespace piket::planner
