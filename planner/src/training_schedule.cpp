#include "piket/planner/training_schedule.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>

#include "piket/common/time_format.hpp"
#include "piket/planner/arrivals.hpp"
#include "piket/planner/random_streams.hpp"

namespace piket::planner {
namespace {

using common::IncidentKind;

bool opens_case(IncidentKind k) {
  return k == IncidentKind::home_ban || k == IncidentKind::code_red;
}

std::string numbered(const char* stem, std::uint64_t seed, std::size_t n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s-%llu-%04zu", stem, static_cast<unsigned long long>(seed), n);
  return buf;
}

}  // namespace

bool TrainingIncident::left_for_team_lead() const {
  return std::none_of(answers.begin(), answers.end(), [](const auto& a) { return a.has_value(); });
}

std::vector<TrainingIncident> training_schedule(const Scenario& s, std::uint64_t seed,
                                                common::Instant until) {
  until = std::min({until, s.end(), s.start + kMaxTrainingSpan});
  // As Simulation::run draws them: the arrivals over the warm-up and the
  // period, then per arrival in order its four durations and its pick of an
  // open case.
  auto arrivals_rng = stream(seed, Stream::arrivals);
  auto work_rng = stream(seed, Stream::work);
  auto answers_rng = stream(seed, Stream::training);
  const auto all = arrivals(s.arrivals, s.sim_start(), s.end(), arrivals_rng);
  const auto& m = s.people;
  std::vector<TrainingIncident> out;
  std::vector<std::string> households;
  std::bernoulli_distribution ill(s.people.sick_share);
  for (const auto& a : all) {
    TrainingIncident inc;
    inc.travel = m.travel.draw(work_rng);
    inc.intake = m.intake.draw(work_rng);
    inc.visit = m.visit.draw(work_rng);
    inc.plan = m.plan.draw(work_rng);
    const double pick = std::uniform_real_distribution<double>(0, 1)(arrivals_rng);
    if (a.at < s.start || a.at >= until) continue;
    if (out.size() == kMaxTrainingIncidents)
      throw ScenarioError(s.file + ": more than " + std::to_string(kMaxTrainingIncidents) +
                          " incidents before --until; train a shorter span");
    inc.at = a.at;
    inc.kind = a.kind;
    inc.reference = numbered("TRN", seed, out.size() + 1);
    inc.opens_case = opens_case(a.kind) || households.empty();
    if (inc.opens_case) {
      inc.household = numbered("hh-trn", seed, households.size() + 1);
      households.push_back(inc.household);
    } else {
      const auto i =
          std::min(households.size() - 1,
                   static_cast<std::size_t>(pick * static_cast<double>(households.size())));
      inc.household = households[i];
    }
    for (int k = 0; k < kTrainingPagesAnswered; ++k) {
      const bool no_answer = ill(answers_rng);
      const auto delay = m.acknowledge.draw(answers_rng);
      inc.answers.push_back(no_answer ? std::nullopt : std::optional(delay));
    }
    out.push_back(std::move(inc));
  }
  return out;
}

std::string incident_body(const TrainingIncident& inc, const std::string& region,
                          common::Instant at, const std::string& run_tag) {
  namespace json = boost::json;
  using namespace std::chrono_literals;
  json::object o{{"reference", inc.reference + "-" + run_tag},
                 {"kind", common::to_string(inc.kind)},
                 {"region", region},
                 {"reported_at", common::format_rfc3339(at)},
                 {"household", inc.household + "-" + run_tag},
                 {"persons", json::array{json::object{{"role", "victim"}},
                                         json::object{{"role", "perpetrator"}}}},
                 {"summary", "Oefenmelding (oefenscenario)"}};
  if (common::requires_home_ban(inc.kind)) {
    const auto starts = at - 20min;
    o["home_ban"] =
        json::object{{"starts_at", common::format_rfc3339(starts)},
                     {"ends_at", common::format_rfc3339(starts + std::chrono::days{10})}};
  }
  return json::serialize(o);
}

}  // namespace piket::planner
