// The caseload cap over a replayed year (issue 11, item 5): how often did
// the cap send a new case past the on-call layer, counting every open case
// alike (before) and counting monitoring cases with their weight (after)?
//
// The sources' volume: Venlo, 278 families in three years with six
// casemanagers covering 7×24 (sources 002) — about 93 new families a year.
// Six casemanagers take weekly turns as primary (the backup is next week's
// primary), one team lead; cap 12 each. A case is in its intensive phase
// for 85–130 days (handover after 3–4 months, the Groningen evaluation),
// then in monitoring until it closes a year after registration. Arrivals are
// a Poisson process; the first year fills the caseloads and the second year
// is measured, over 20 seeds. The selection is the real RotaSelector; when
// it gives the team lead, the team lead hands the case to the casemanager
// with the lowest weighted caseload (the case still needs one).
//
// Pure (label unit): no servers, simulated time is just a number here.
#include <algorithm>
#include <iostream>
#include <map>
#include <random>

#include "piket/rota/rota_selector.hpp"
#include "rota_test_support.hpp"

namespace piket::rota::test {
namespace {

using rota::StaffRole;
constexpr auto kDay = std::chrono::hours{24};
const std::vector<std::string> kCasemanagers{"icm-1", "icm-2", "icm-3", "icm-4", "icm-5", "icm-6"};

struct SimCase {
  Instant opened, handover, closed;
  std::string casemanager;
};

// The caseloads at one instant, from the simulated cases.
class SimCaseloads final : public CaseloadView {
 public:
  SimCaseloads(const std::vector<SimCase>& cases, Instant at) {
    for (const auto& c : cases) {
      if (c.opened > at || c.closed <= at || c.casemanager.empty()) continue;
      auto& [open, monitoring] = load_[c.casemanager];
      ++open;
      if (c.handover <= at) ++monitoring;
    }
  }
  int open_cases(const std::string& id) const override {
    const auto it = load_.find(id);
    return it == load_.end() ? 0 : it->second.first;
  }
  int monitoring_cases(const std::string& id) const override {
    const auto it = load_.find(id);
    return it == load_.end() ? 0 : it->second.second;
  }

 private:
  std::map<std::string, std::pair<int, int>> load_;
};

struct YearFigures {
  int new_cases = 0;     // in the measured year
  int past_on_call = 0;  // given to the backup or the team lead
  int to_team_lead = 0;  // past the whole casemanager layer
  int at_cap_flags = 0;  // selections that found every on-call casemanager at the cap
  int max_open = 0;      // the largest open caseload seen at a selection
};

YearFigures replay(double monitoring_weight, std::uint64_t seed) {
  const Instant start = utc("2027-01-04T07:00:00Z");  // a Monday
  auto def = one_layer({rotation(kCasemanagers, ShiftLength::weeks(1), 8h, ymd(2027, 1, 4))});
  auto backup = rotation(kCasemanagers, ShiftLength::weeks(1), 8h, ymd(2027, 1, 4));
  backup.offset = 1;
  def.regions[0].layers.push_back(LayerDefinition{"backup", {backup}});
  def.regions[0].layers.push_back(
      LayerDefinition{"team_lead", {rotation({"tl"}, ShiftLength::weeks(1), 8h, ymd(2027, 1, 4))}});
  auto rota = std::make_shared<const Rota>(std::move(def), std::vector<Override>{},
                                           TimeRange{start - 7 * kDay, start + 2 * 366 * kDay});
  std::vector<rota::PersonConfig> people;
  for (const auto& id : kCasemanagers) people.push_back(person(id, StaffRole::casemanager, 12));
  people.push_back(person("tl", StaffRole::team_lead, 500));
  const RotaSelector selector(rota, people, monitoring_weight);

  std::mt19937_64 rng(seed);
  std::exponential_distribution<double> gap(93.0 / 365.0);  // new families per day
  std::uniform_real_distribution<double> intensive(85, 130), late_close(0, 30);
  auto days = [](double d) {
    return std::chrono::duration_cast<common::Millis>(std::chrono::duration<double>(d * 86400.0));
  };
  std::vector<SimCase> cases;
  YearFigures f;
  const Instant measured_from = start + 365 * kDay, end = start + 730 * kDay;
  for (Instant t = start + days(gap(rng)); t < end; t += days(gap(rng))) {
    SimCase c{t, t + days(intensive(rng)), t + days(365 + late_close(rng)), {}};
    const SimCaseloads view(cases, t);
    const auto s = selector.select(SelectionRequest{"g", std::nullopt, t}, view);
    if (!s) throw std::runtime_error("nobody to page");
    c.casemanager = s->person_id;
    if (s->rule == SelectionRule::team_lead) {
      // The team lead finds a casemanager: the lowest weighted caseload.
      c.casemanager = *std::min_element(kCasemanagers.begin(), kCasemanagers.end(),
                                        [&](const auto& a, const auto& b) {
                                          return weighted_caseload(view, a, monitoring_weight) <
                                                 weighted_caseload(view, b, monitoring_weight);
                                        });
    }
    if (t >= measured_from) {
      ++f.new_cases;
      f.past_on_call += s->rule == SelectionRule::backup || s->rule == SelectionRule::team_lead;
      f.to_team_lead += s->rule == SelectionRule::team_lead;
      f.at_cap_flags += s->on_call_at_cap;
      for (const auto& id : kCasemanagers) f.max_open = std::max(f.max_open, view.open_cases(id));
    }
    cases.push_back(std::move(c));
  }
  return f;
}

TEST(CaseloadYearReplay, WeighingMonitoringCasesKeepsNewCasesWithTheOnCallCasemanager) {
  YearFigures before, after;
  constexpr int kSeeds = 20;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    for (auto [weight, into] : {std::pair{1.0, &before}, std::pair{0.25, &after}}) {
      const auto f = replay(weight, 20270104 + seed);
      into->new_cases += f.new_cases;
      into->past_on_call += f.past_on_call;
      into->to_team_lead += f.to_team_lead;
      into->at_cap_flags += f.at_cap_flags;
      into->max_open = std::max(into->max_open, f.max_open);
    }
  }
  auto pct = [](int n, int of) { return of == 0 ? 0.0 : 100.0 * n / of; };
  for (const auto& [name, f] : {std::pair{"before (every case counts 1)", before},
                                std::pair{"after (monitoring counts 0.25)", after}})
    std::cout << "[ info ] " << name << ": " << f.past_on_call << " of " << f.new_cases
              << " new cases went past the on-call casemanager ("
              << pct(f.past_on_call, f.new_cases) << " %), " << f.to_team_lead
              << " to the team lead (" << pct(f.to_team_lead, f.new_cases)
              << " %); every on-call casemanager at the cap at " << f.at_cap_flags
              << " selections; largest open caseload " << f.max_open << " (" << kSeeds
              << " replayed second years, 6 casemanagers, cap 12, ~93 families a year)\n";
  EXPECT_EQ(before.new_cases, after.new_cases) << "the same arrivals";
  // Counting the year of monitoring in full, the cap is a daily event.
  EXPECT_GT(pct(before.past_on_call, before.new_cases), 30.0);
  // Weighted, it is rare — a busy week on top of the on-call's own intensive
  // cases, and the backup (next week's primary) takes it — and the team lead
  // almost never has to find a casemanager.
  EXPECT_LT(pct(after.past_on_call, after.new_cases), 5.0);
  EXPECT_LT(pct(after.to_team_lead, after.new_cases), 0.5);
  EXPECT_LT(after.past_on_call * 10, before.past_on_call);
}

}  // namespace
}  // namespace piket::rota::test
