// Training mode's plan and player (docs/planning.md, "Training mode"): the
// schedule is the `run` command's arrivals and durations for the same seed,
// in time order, bounded, deterministic by seed, with valid contract bodies
// and synthetic households; the player posts, answers after the drawn
// delays, leaves unanswered pages alone and records the casemanager's work,
// against a fake deployment.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include "piket/common/time_format.hpp"
#include "piket/planner/simulation.hpp"
#include "piket/planner/trainer.hpp"
#include "piket/planner/training_schedule.hpp"
#include "planner_test_support.hpp"

namespace piket::planner {
namespace {

namespace json = boost::json;
using common::IncidentKind;
using common::Instant;
using common::Millis;
using namespace std::chrono_literals;

Scenario mixed(double sick_share = 0.2) {
  auto s = test::queue_scenario(10, 300, 28);
  s.arrivals.streams = {{IncidentKind::home_ban, 6},
                        {IncidentKind::code_red, 2},
                        {IncidentKind::repeat_incident, 3},
                        {IncidentKind::ban_violation, 1}};
  s.people.acknowledge = Distribution::exponential(5);
  s.people.travel = Distribution::uniform(20, 45);
  s.people.plan = Distribution::uniform(60, 180);
  s.people.sick_share = sick_share;
  s.warmup_days = 14;
  return s;
}

TEST(TrainingSchedule, SameSeedSamePlanAnotherSeedAnother) {
  const auto s = mixed();
  const auto until = s.start + std::chrono::days{7};
  const auto a = training_schedule(s, 11, until), b = training_schedule(s, 11, until),
             c = training_schedule(s, 12, until);
  ASSERT_FALSE(a.empty());
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].at, b[i].at);
    EXPECT_EQ(a[i].reference, b[i].reference);
    EXPECT_EQ(a[i].household, b[i].household);
    EXPECT_EQ(a[i].answers, b[i].answers);
    EXPECT_EQ(a[i].travel, b[i].travel);
  }
  bool differs = a.size() != c.size();
  for (std::size_t i = 0; !differs && i < a.size(); ++i) differs = a[i].at != c[i].at;
  EXPECT_TRUE(differs);
}

TEST(TrainingSchedule, OrderedWithinTheWindowAndBounded) {
  auto s = mixed();
  const auto until = s.start + std::chrono::days{5};
  const auto plan = training_schedule(s, 3, until);
  ASSERT_GT(plan.size(), 3u);
  for (std::size_t i = 0; i < plan.size(); ++i) {
    EXPECT_GE(plan[i].at, s.start);
    EXPECT_LT(plan[i].at, until);
    if (i) {
      EXPECT_LE(plan[i - 1].at, plan[i].at);
    }
    EXPECT_EQ(plan[i].answers.size(), static_cast<std::size_t>(kTrainingPagesAnswered));
  }
  // Cut to the scenario's end and to 31 days.
  for (const auto& inc : training_schedule(s, 3, s.start + std::chrono::days{400}))
    EXPECT_LT(inc.at, s.end());
  s.days = 365;
  for (const auto& inc : training_schedule(s, 3, s.start + std::chrono::days{400}))
    EXPECT_LT(inc.at, s.start + kMaxTrainingSpan);
  // Too many incidents for a training: refused, not cut silently.
  s.arrivals.streams = {{IncidentKind::home_ban, 1000}};
  EXPECT_THROW(training_schedule(s, 3, s.start + std::chrono::days{30}), ScenarioError);
}

// The arrivals and work durations are `run`'s for the same seed: the sample
// scenario's first week, incident by incident.
TEST(TrainingSchedule, TheRunCommandsIncidents) {
  const auto s = load_scenario(test::sample_scenario());
  const auto world = load_world(s);
  const auto until = s.start + std::chrono::days{14};
  const auto plan = training_schedule(s, s.seed, until);
  const auto result = simulate(s, world, s.seed);
  std::vector<IncidentOutcome> run;
  for (const auto& o : result.incidents)
    if (o.accepted < until) run.push_back(o);
  ASSERT_GE(plan.size(), 2u);
  ASSERT_EQ(plan.size(), run.size());
  for (std::size_t i = 0; i < plan.size(); ++i) {
    EXPECT_EQ(plan[i].at, run[i].accepted) << i;
    EXPECT_EQ(plan[i].kind, run[i].kind) << i;
    // run's first contact of an incident acknowledged at once by a free
    // casemanager is its acknowledgement plus the same travel.
    if (run[i].acknowledged && run[i].first_contact) {
      EXPECT_LE(*run[i].acknowledged + plan[i].travel, *run[i].first_contact) << i;
    }
  }
}

TEST(TrainingSchedule, HouseholdsAndAnswers) {
  auto s = mixed(0.5);
  const auto plan = training_schedule(s, 5, s.start + std::chrono::days{14});
  std::vector<std::string> opened;
  int unanswered = 0, answered = 0;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const auto& inc = plan[i];
    const bool opener = inc.kind == IncidentKind::home_ban || inc.kind == IncidentKind::code_red;
    if (i == 0 || opener) {
      EXPECT_TRUE(inc.opens_case);
    }
    if (inc.opens_case) {
      EXPECT_EQ(std::find(opened.begin(), opened.end(), inc.household), opened.end());
      opened.push_back(inc.household);
    } else {
      EXPECT_NE(std::find(opened.begin(), opened.end(), inc.household), opened.end())
          << "a later incident goes to a household posted before";
    }
    for (const auto& a : inc.answers) {
      if (!a) {
        ++unanswered;
      } else {
        ++answered;
        EXPECT_GE(a->count(), 0);
      }
    }
  }
  EXPECT_GT(unanswered, 0);
  EXPECT_GT(answered, 0);
  // Nobody ill: every page answered, nothing left for the team lead.
  for (const auto& inc : training_schedule(mixed(0), 5, s.start + std::chrono::days{14})) {
    EXPECT_FALSE(inc.left_for_team_lead());
    for (const auto& a : inc.answers) EXPECT_TRUE(a.has_value());
  }
}

TEST(TrainingSchedule, BodiesKeepTheContractAndHoldNoPersonData) {
  const auto s = mixed();
  const auto plan = training_schedule(s, 9, s.start + std::chrono::days{7});
  const std::regex alphabet{"^[A-Za-z0-9._:/-]{1,64}$"};
  for (const auto& inc : plan) {
    const auto body = incident_body(inc, "noord", inc.at + 1h, "202701040000");
    const auto o = json::parse(body).as_object();
    const auto ref = std::string(o.at("reference").as_string());
    const auto hh = std::string(o.at("household").as_string());
    EXPECT_TRUE(std::regex_match(ref, alphabet)) << ref;
    EXPECT_TRUE(std::regex_match(hh, alphabet)) << hh;
    EXPECT_EQ(o.at("region").as_string(), "noord");
    EXPECT_EQ(common::parse_rfc3339(std::string(o.at("reported_at").as_string())), inc.at + 1h);
    EXPECT_EQ(o.at("kind").as_string(), common::to_string(inc.kind));
    for (const auto& p : o.at("persons").as_array()) {
      EXPECT_EQ(p.as_object().size(), 1u) << "a role only: " << body;
      EXPECT_TRUE(p.as_object().contains("role"));
    }
    if (common::requires_home_ban(inc.kind)) {
      const auto& ban = o.at("home_ban").as_object();
      const auto from = common::parse_rfc3339(std::string(ban.at("starts_at").as_string()));
      const auto to = common::parse_rfc3339(std::string(ban.at("ends_at").as_string()));
      ASSERT_TRUE(from && to);
      EXPECT_LT(*from, *to);
      EXPECT_LE(*to - *from, std::chrono::days{28});
    } else {
      EXPECT_FALSE(o.contains("home_ban"));
    }
  }
}

TEST(TrainingShift, WholeWeeksOnlyWhenTheClockIsPast) {
  const Instant start{date::sys_days{date::year{2027} / 1 / 4}};
  EXPECT_EQ(training_shift(start, start - 1h), Millis{0});
  EXPECT_EQ(training_shift(start, start), Millis{0});
  EXPECT_EQ(training_shift(start, start + 1ms), std::chrono::days{7});
  EXPECT_EQ(training_shift(start, start + std::chrono::days{7}), std::chrono::days{7});
  EXPECT_EQ(training_shift(start, start + std::chrono::days{8}), std::chrono::days{14});
}

// A deployment in miniature: every incident opens a case paged first to
// icm-a; unacknowledged after 5 minutes, to icm-b; after 5 more, to the team
// lead (whom the player never sees).
class FakeStack final : public TrainingStack {
 public:
  struct Page {
    std::string id, person, case_id;
    Instant at;
    bool reminder = false;
    bool acked = false;
  };
  Instant clock{date::sys_days{date::year{2027} / 1 / 4}};
  std::vector<Page> pages_;
  std::map<std::string, Instant> posted_at;  // case → when
  std::vector<std::string> recorded;         // "person type case at-minutes-after-post"
  std::set<std::string> acked_cases;
  std::map<std::string, std::string> owner;  // case → its casemanager (icm-a, the primary)
  int lag = 0;  // records refused as in the future before they are taken
  // The team lead's hand-out: at this time, this case to this person.
  std::optional<std::tuple<Instant, std::string, std::string>> hand_out;

  Instant now() override { return clock; }
  Instant advance_to(Instant t) override {
    EXPECT_GE(t, clock) << "the clock never goes back";
    clock = t;
    if (hand_out && clock >= std::get<0>(*hand_out)) {
      owner[std::get<1>(*hand_out)] = std::get<2>(*hand_out);
      hand_out.reset();
    }
    for (const auto& [c, at] : posted_at) {
      if (acked_cases.count(c)) continue;
      if (clock >= at + 5min) page("icm-b", c, at + 5min);
      if (clock >= at + 10min) page("tl", c, at + 10min);
    }
    return clock;
  }
  PostedIncident post(const std::string& body) override {
    const auto o = json::parse(body).as_object();
    EXPECT_LE(common::parse_rfc3339(std::string(o.at("reported_at").as_string())), clock);
    const auto c = "C" + std::to_string(posted_at.size());
    posted_at[c] = clock;
    owner[c] = "icm-a";
    page("icm-a", c, clock);
    return {"I" + std::to_string(posted_at.size()), c};
  }
  AppView view(const std::string& person) override {
    AppView out;
    for (const auto& p : pages_)
      if (p.person == person && !p.acked && !acked_cases.count(p.case_id))
        out.pages.push_back(
            {p.id, p.case_id, p.at, p.reminder ? "deadline:plan:warn_8h" : "primary"});
    for (const auto& [c, who] : owner)
      if (who == person) out.cases.push_back(c);
    return out;
  }
  Outcome acknowledge(const std::string& person, const std::string& id) override {
    for (auto& p : pages_)
      if (p.id == id) {
        EXPECT_EQ(p.person, person);
        if (acked_cases.count(p.case_id)) return {false, "taken_by_other"};
        p.acked = true;
        acked_cases.insert(p.case_id);
        recorded.push_back(person + " ack " + p.case_id + " " +
                           std::to_string((clock - posted_at[p.case_id]) / 1min));
        return {true, {}};
      }
    return {false, "page_not_found"};
  }
  Outcome record(const std::string& person, const std::string& c, const std::string& type,
                 Instant at, const std::string&) override {
    EXPECT_LE(at, clock) << "never in the future";
    if (lag > 0) {  // the deployment still follows the previous step
      --lag;
      return {false, "in_the_future"};
    }
    if (owner[c] != person) return {false, "forbidden"};
    recorded.push_back(person + " " + type + " " + c + " " +
                       std::to_string((at - posted_at[c]) / 1min));
    return {true, {}};
  }

 private:
  void page(const std::string& person, const std::string& c, Instant at) {
    for (const auto& p : pages_)
      if (p.person == person && p.case_id == c && !p.reminder) return;
    pages_.push_back({"P" + std::to_string(pages_.size()), person, c, at});
    // A deadline's reminder to the casemanager with it: never answered.
    if (person != "tl")
      pages_.push_back({"R" + std::to_string(pages_.size()), person, c, at, true});
  }
};

class FakeRealClock final : public common::Clock {
 public:
  Instant t{};
  Instant now() const override { return t; }
};

TrainingIncident incident(Instant at, std::vector<std::optional<Millis>> answers) {
  TrainingIncident i;
  i.at = at;
  i.kind = IncidentKind::code_red;
  i.reference = "TRN-1-000" + std::to_string(answers.size());
  i.household = "hh-trn-1-0001";
  i.opens_case = true;
  i.answers = std::move(answers);
  i.travel = 30min;
  i.intake = 6h;
  i.plan = 2h;
  return i;
}

TEST(Trainer, AnswersAfterTheDrawnDelayAndLeavesTheRestToTheTeamLead) {
  FakeStack stack;
  const auto start = stack.clock;
  const std::vector<TrainingIncident> plan = {
      incident(start + 10min, {3min}),                     // icm-a takes it
      incident(start + 1h, {std::nullopt, 2min}),          // icm-a ill, icm-b takes it
      incident(start + 2h, {std::nullopt, std::nullopt}),  // for the team lead
  };
  stack.hand_out = {{start + 1h + 3h, "C1", "icm-b"}};
  stack.lag = 2;  // the first record is refused twice: it waits a step each time
  TrainingOptions o;
  o.region = "noord";
  o.casemanagers = {"icm-a", "icm-b"};
  o.speed = 600;
  o.step = 60s;
  FakeRealClock real;
  Millis slept{0};
  std::ostringstream out;
  const auto summary = train(
      plan, start, start + 14h, o, stack, real,
      [&](Millis m) {
        slept += m;
        real.t += m;
      },
      out);
  EXPECT_EQ(summary.posted, 3);
  EXPECT_EQ(summary.acknowledged, 2);
  EXPECT_EQ(summary.left_for_team_lead, 1);
  EXPECT_EQ(summary.left_unanswered, 3);
  // icm-b took C1 as the backup: the case stays icm-a's, icm-b may not
  // record on it and waits for the team lead, who gives it to icm-b at
  // +3 h; C2, left to the team lead, is never handed out.
  EXPECT_EQ(summary.recorded, 6);
  EXPECT_EQ(summary.not_recorded, 1);
  EXPECT_EQ(summary.handed_out, 1);
  const std::vector<std::string> want = {
      "icm-a ack C0 3",
      "icm-a first_contact C0 33",
      "icm-b ack C1 7",              // its page came 5 minutes after the incident
      "icm-b first_contact C1 210",  // handed out 3 h after the incident, 30 min out
      "icm-a intake C0 393",
      "icm-a plan_of_action C0 513",
      "icm-b intake C1 570",
      "icm-b plan_of_action C1 690",
  };
  EXPECT_EQ(stack.recorded, want) << out.str();
  // Paced: fourteen simulated hours at 600× take 84 real seconds.
  EXPECT_NEAR(static_cast<double>(slept.count()), 84'000.0, 1'000.0);
  EXPECT_EQ(stack.clock, start + 14h);
  // What it prints names ids and kinds, no person data — in Dutch by default, from the
  // catalogue (train.*).
  EXPECT_NE(out.str().find("gemeld: code_red"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("(voor de teamleider)"), std::string::npos) << out.str();
  EXPECT_EQ(out.str().find("posted"), std::string::npos) << out.str();
}

TEST(Trainer, RefusesSpeedsOutOfBounds) {
  FakeStack stack;
  FakeRealClock real;
  std::ostringstream out;
  TrainingOptions o;
  o.speed = 100000;
  EXPECT_THROW(train(
                   {}, stack.clock, stack.clock + 1h, o, stack, real, [](Millis) {}, out),
               TrainingError);
  o.speed = 0;
  EXPECT_THROW(train(
                   {}, stack.clock, stack.clock + 1h, o, stack, real, [](Millis) {}, out),
               TrainingError);
}

}  // namespace
}  // namespace piket::planner
