// Training mode against the real stack (docs/planning.md, "Training mode"):
// redis-server, Kannel with fakesmsc, ingest, dispatch, notify, inbound,
// cases and web on a simulated clock, the Groningen rota (weekly primary and
// backup) and the escalation primary 5 min → backup 5 min → team lead. The
// trainer plays a short scenario at 600× through the partner API, the admin
// clock and the casemanager app's own API (signed in with a password):
// every incident is posted; the ones the schedule answers are acknowledged
// by a casemanager who then records first contact, intake and plan; the one
// nobody answers escalates to the team lead. Asserted on the record — the
// partner's and the case API's views and the pages in Redis — not on sleeps.

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "groningen_rota.hpp"
#include "piket/common/crypto.hpp"
#include "piket/common/time_format.hpp"
#include "piket/planner/trainer.hpp"
#include "piket/planner/training_schedule.hpp"
#include "piket/planner/web_training_stack.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/page.hpp"
#include "piket/web/password.hpp"
#include "stack_fixture.hpp"

namespace piket::e2e {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using common::IncidentKind;

constexpr const char* kTeamLeadToken = "tl-g-staff-token-000000000001";
constexpr const char* kPassword = "oefen-wachtwoord-training-e2e";
const char* kCasemanagers[] = {"icm-1", "icm-2", "icm-3", "icm-4", "icm-5", "icm-6"};

stack::StackSpec training_spec() {
  stack::StackSpec spec;
  spec.simulated_clock = true;  // Sunday 2026-11-22 08:00
  spec.rota_file = groningen_rota_file();
  spec.rota_table = "coverage_days = 14\n";
  spec.extra_toml = groningen_escalation("repeat = 0\nforgotten_minutes = 60\n");
  // Light Argon2 parameters: the hash says them, sign-in checks with them.
  const auto hash = web::hash_password(kPassword, web::Argon2Params{1, 8 * 1024, 1});
  for (const auto* p : kCasemanagers) spec.person_extra[p] = "password_argon2 = \"" + hash + "\"";
  spec.person_extra["tl-g"] = "token_sha256 = \"" + common::sha256_hex(kTeamLeadToken) + "\"";
  return spec;
}

// Four incidents in the first two hours; everyone answers after two minutes
// unless ill (half the pages): the seed below gives both kinds of incident.
planner::Scenario scenario(const std::string& start) {
  planner::Scenario s;
  s.file = "training-e2e";
  s.region = "groningen";
  s.start = *common::parse_rfc3339(start);
  s.days = 1;
  const auto at = [&](int minutes, IncidentKind k) {
    return planner::FixedArrival{s.start + std::chrono::minutes{minutes}, k};
  };
  s.arrivals.fixed = {at(5, IncidentKind::code_red), at(25, IncidentKind::home_ban),
                      at(50, IncidentKind::code_red), at(75, IncidentKind::home_ban)};
  s.arrivals.hour_profile.fill(1);
  s.arrivals.day_profile.fill(1);
  s.people.acknowledge = planner::Distribution::fixed(2);
  s.people.travel = planner::Distribution::uniform(20, 40);
  s.people.intake = planner::Distribution::uniform(60, 90);
  s.people.plan = planner::Distribution::uniform(30, 60);
  s.people.sick_share = 0.5;
  return s;
}

// Both casemanager pages (primary, backup) unanswered: the team lead's.
bool for_team_lead(const planner::TrainingIncident& i) {
  return !i.answers[0] && !i.answers[1];
}

TEST(TrainingEndToEnd, PostsAnswersRecordsAndLeavesTheUnansweredToTheTeamLead) {
  Stack s(training_spec(), true, /*with_web=*/true);
  const auto sc = scenario(s.spec().simulated_start);
  // The first seed whose schedule has an incident the primary takes, one the
  // backup takes and one the casemanagers leave to the team lead (a pure function: the same every
  // run).
  std::uint64_t seed = 1;
  std::vector<planner::TrainingIncident> plan;
  for (; seed < 100; ++seed) {
    plan = planner::training_schedule(sc, seed, sc.end());
    const bool some_taken = std::any_of(plan.begin(), plan.end(),
                                        [](const auto& i) { return i.answers[0].has_value(); });
    const bool some_left = std::any_of(plan.begin(), plan.end(), for_team_lead);
    const bool some_backup = std::any_of(plan.begin(), plan.end(), [](const auto& i) {
      return !i.answers[0] && i.answers[1].has_value();
    });
    if (some_taken && some_left && some_backup) break;
  }
  ASSERT_LT(seed, 100u);
  ASSERT_EQ(plan.size(), 4u);

  planner::TrainingOptions o;
  o.region = "groningen";
  o.casemanagers.assign(std::begin(kCasemanagers), std::end(kCasemanagers));
  o.speed = 600;
  o.step = 30s;
  o.plan_on_open_case = [](IncidentKind) { return false; };
  o.language = i18n::Language::en;  // the lines below are read in English
  planner::WebTrainingStack web({{"127.0.0.1", s.spec().ports.ingest},
                                 {"127.0.0.1", s.spec().ports.web},
                                 s.spec().police_token,
                                 s.spec().admin_token,
                                 kPassword});
  common::SystemClock real;  // paces the run in real time
  std::ostringstream out;
  const auto until = sc.start + 6h;
  // The team lead (this test, meanwhile): once the backup acknowledged a
  // page, hands that case to the backup (it stays the primary's otherwise).
  std::atomic<bool> training{true};
  std::string handed_case, handed_to;
  std::thread team_lead([&] {
    try {
      auto redis = s.redis();
      common::HttpClient cases({"127.0.0.1", s.spec().ports.cases}, 5s);
      cases.set_header("Authorization", std::string("Bearer ") + kTeamLeadToken);
      while (training && handed_case.empty()) {
        for (const auto& k : redis.command({"KEYS", store::page_key("*")}).elements) {
          if (k.str.size() != 22) continue;  // page:{id} only
          const auto f =
              redis.command({"HMGET", k.str, "incident", "person", "rule", "acknowledged_at"});
          if (f.elements[2].str != "backup" || f.elements[3].is_nil()) continue;
          const auto c = redis.command({"HGET", store::incident_key(f.elements[0].str), "case_id"});
          const auto r = cases.post("/v1/cases/" + c.str + "/events", "application/json",
                                    R"({"type":"reassigned","casemanager":")" + f.elements[1].str +
                                        R"(","reason":"oefening: backup gaat"})");
          EXPECT_EQ(r.status, 201) << r.body;
          handed_case = c.str;
          handed_to = f.elements[1].str;
          break;
        }
        std::this_thread::sleep_for(20ms);
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << "the team lead stopped: " << e.what();
    }
  });
  planner::TrainingSummary summary;
  try {
    summary = planner::train(
        plan, sc.start, until, o, web, real,
        [](common::Millis m) { std::this_thread::sleep_for(m); }, out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "the trainer stopped: " << e.what();
  }
  training = false;
  team_lead.join();
  std::cout << out.str();
  EXPECT_FALSE(handed_case.empty()) << "the backup acknowledged no page";
  EXPECT_EQ(summary.handed_out, 1) << out.str();

  // Every incident posted; each the schedule answers taken by a casemanager,
  // each it leaves paged to the team lead and not taken.
  EXPECT_EQ(summary.posted, 4) << out.str();
  int taken = 0, left = 0;
  for (const auto& i : plan) (for_team_lead(i) ? left : taken) += 1;
  EXPECT_EQ(summary.acknowledged, taken) << out.str();
  EXPECT_EQ(summary.left_for_team_lead, left) << out.str();

  // The record: the partner's view of each incident, the case API's view of
  // its case, and the pages in Redis.
  auto partner = s.partner_client(s.spec().police_token);
  common::HttpClient cases({"127.0.0.1", s.spec().ports.cases}, 5s);
  cases.set_header("Authorization", std::string("Bearer ") + kTeamLeadToken);
  auto redis = s.redis();
  struct PageRecord {
    std::string person, rule;
    bool acknowledged = false;
  };
  std::map<std::string, std::vector<PageRecord>> pages;  // by incident
  for (const auto& k : redis.command({"KEYS", store::page_key("*")}).elements) {
    if (k.str.size() != 22) continue;  // page:{id} only
    const auto f = redis.command({"HMGET", k.str, "incident", "person", "rule", "acknowledged_at"});
    pages[f.elements[0].str].push_back(
        {f.elements[1].str, f.elements[2].str, !f.elements[3].is_nil()});
  }
  const std::regex line{
      "posted (\\w+) (TRN-[0-9-]+): incident (I[0-9A-Z]{16}), case (C[0-9A-Z]{8})"};
  std::vector<std::pair<std::string, std::string>> ids;  // (incident, case) in order
  const auto text = out.str();
  for (auto it = std::sregex_iterator(text.begin(), text.end(), line); it != std::sregex_iterator();
       ++it)
    ids.emplace_back((*it)[3], (*it)[4]);
  ASSERT_EQ(ids.size(), plan.size()) << text;
  int primary_took = 0, backup_took = 0, lead = 0;
  for (std::size_t n = 0; n < plan.size(); ++n) {
    const auto& [incident, case_id] = ids[n];
    const auto r = partner->get("/v1/incidents/" + incident);
    ASSERT_EQ(r.status, 200) << r.body;
    const auto status = std::string(json::parse(r.body).at("status").as_string());
    const auto& ps = pages[incident];
    ASSERT_FALSE(ps.empty()) << incident;
    // The escalation's page to the team lead (not a deadline's).
    const bool escalated_to_lead = std::any_of(ps.begin(), ps.end(), [](const PageRecord& p) {
      return p.person == "tl-g" && p.rule.rfind("deadline:", 0) != 0;
    });
    const bool lead_paged =
        std::any_of(ps.begin(), ps.end(), [](const PageRecord& p) { return p.person == "tl-g"; });
    const auto c = cases.get("/v1/cases/" + case_id);
    ASSERT_EQ(c.status, 200) << c.body;
    const auto view = json::parse(c.body).as_object();
    const auto& inc = view.at("incidents").as_array().at(0).as_object();
    if (plan[n].answers[0]) {
      // The primary took it, went out and wrote the plan: first contact and
      // plan recorded for the incident, both clocks met; no team lead.
      ++primary_took;
      EXPECT_EQ(status, "acknowledged") << incident;
      EXPECT_FALSE(lead_paged) << incident << " reached the team lead";
      EXPECT_EQ(view.at("phase").as_string(), "plan_of_action") << c.body;
      EXPECT_FALSE(inc.at("contact_at").is_null()) << c.body;
      EXPECT_FALSE(inc.at("plan_at").is_null()) << c.body;
      for (const auto& k : view.at("clocks").as_array()) {
        const auto& clock = k.as_object();
        const auto kind = clock.at("clock").as_string();
        if (kind == "first_contact" || kind == "plan") {
          EXPECT_EQ(clock.at("state").as_string(), "met") << c.body;
        }
      }
    } else if (plan[n].answers[1]) {
      // The backup took the page after the primary's went unanswered; the
      // case stays the primary's until the team lead hands it out, then the
      // backup goes out: first contact and plan recorded, the case theirs.
      ++backup_took;
      EXPECT_TRUE(std::any_of(ps.begin(), ps.end(), [](const PageRecord& p) {
        return p.acknowledged;
      })) << incident;
      EXPECT_EQ(case_id, handed_case);
      EXPECT_EQ(view.at("casemanager").as_string(), handed_to) << c.body;
      EXPECT_NE(text.find(handed_to + " has case " + case_id), std::string::npos) << text;
      EXPECT_FALSE(inc.at("contact_at").is_null()) << c.body;
      EXPECT_FALSE(inc.at("plan_at").is_null()) << c.body;
    } else {
      // Nobody answered: the escalation reached the team lead.
      ++lead;
      EXPECT_NE(status, "acknowledged") << incident;
      EXPECT_TRUE(escalated_to_lead) << incident << " did not reach the team lead";
      EXPECT_FALSE(std::any_of(ps.begin(), ps.end(), [](const PageRecord& p) {
        return p.acknowledged;
      })) << incident;
      EXPECT_TRUE(inc.at("contact_at").is_null()) << c.body;
    }
  }
  EXPECT_GE(primary_took, 1);
  EXPECT_GE(lead, 1);
  std::cout << "primary took " << primary_took << ", backup took " << backup_took
            << ", left to the team lead " << lead << "\n";
  // No person data in what the trainer printed (the bodies have roles only).
  EXPECT_EQ(text.find("+31"), std::string::npos);
  EXPECT_EQ(text.find("+44"), std::string::npos);
}

}  // namespace
}  // namespace piket::e2e
