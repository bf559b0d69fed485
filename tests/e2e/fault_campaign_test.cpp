// The fault campaign (issue 19, docs/testing.md "Fault campaign"): a seeded
// random schedule of kill -9 — every piket service (cases and web too),
// Redis, bearerbox and smsbox, several kills of each, some two at once —
// while incidents are posted, pages answered (by SMS and in the web app) and
// the simulated clock jumps so that escalations and the cases' deadline steps
// fall due; and the crash points (common/fault_point.hpp) switched on, so
// that services also die at the most dangerous instants: after the gateway
// took an SMS and before its record, between an accepted incident and its
// wake-up, between an escalation or deadline step and its message, between
// the stages of a batch, between a web answer and its reply. A service that
// dies is started again, as systemd would.
//
// Rounds of work, each with an exact expectation: a round's incidents (code
// red, and every other pair a home ban ending 80 minutes later; two code reds
// get an agreement due in 30 minutes, made by the team lead in the cases API)
// are paged to the primary once each; half are acknowledged, half of those by
// SMS and half in the web app; the clock jumps 5 minutes and the other half
// goes to the backup, once each; another 5 and it goes to the team lead, once
// each (and every case's first-contact clock runs out: piket-cases reminds the
// casemanager); another 10 and the policy (repeat = 0) is exhausted (and the
// first-contact clock escalates to the team lead). Meanwhile the cases'
// slower clocks fall due in later rounds' jumps: an agreement overdue and its
// escalation an hour later, the plan's warning at an hour and its escalation
// at two, the home ban's extension decision an hour before its end, the
// decision's reminder unanswered an hour later and the ban's end. After the
// last round the clock moves on, still under fire, until every clock of every
// case has run out. After a calm period every phone's pages are counted by
// case: none lost, no step twice, no page twice unless notify sent it again
// because its send was in doubt (the worker died and no delivery report came:
// the one duplicate piket allows, docs/paging.md) — each such duplicate is
// listed. The record says each case's deadline steps were taken exactly once
// each (four for a code red, six with an agreement, seven for a home ban),
// each such page reached its phone once, and each acknowledgement was
// recorded exactly once, by the way it was made.
//
// Mid-campaign the team lead records a casemanager with open cases absent for
// one round's 20 simulated minutes (POST /v1/people/{id}/absence): each case
// they held then is to be reassigned (a page to the team lead), and each of
// their steps meant for the casemanager taken meanwhile goes to the team lead
// instead, once; no deadline page reaches the absent casemanager meanwhile,
// and after it their steps are theirs again. And every round one more
// agreement is settled in the cases API: done or cancelled before it is due
// (no step of its clock), or missed after its overdue reminder (never
// escalated).
//
// PIKET_FAULT_SEED sets the seed (printed); PIKET_FAULT_KILLS the number of
// scheduled kills (default 100; a soak sets more); PIKET_FAULT_KANNEL=0 leaves
// Kannel's boxes out of the draw.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <functional>
#include <latch>
#include <map>
#include <mutex>
#include <random>
#include <set>

#include "campaign_support.hpp"
#include "piket/common/clock.hpp"
#include "piket/common/time_format.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/clock.hpp"
#include "piket/store/incident.hpp"
#include "piket/web/password.hpp"
#include "stack_fixture.hpp"

namespace piket::e2e {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

constexpr const char* kPassword = "wachtwoord-van-de-campagne";  // every casemanager's, synthetic
// The shared crash points and the single node's own: piket-cases' and the web app's.
const std::string kSingleNodeFaultPoints =
    std::string(kFaultPoints) + ",cases.after_fire=0.06,web.after_answer=0.2";
const std::vector<std::string> kSingleNodePointNames = [] {
  std::vector<std::string> names(std::begin(kPointNames), std::end(kPointNames));
  names.insert(names.end(), {"cases.after_fire", "web.after_answer"});
  return names;
}();
// A home ban's length in the campaign: its extension decision (ban_decision_hours = 1) falls
// due 20 minutes after it was reported, its end and the decision's reminder unanswered
// (reminder_ack_hours = 1) 80 minutes after.
constexpr auto kBanLength = 80min;
// An agreement's due time after it was made: overdue then, escalated agreement_grace_hours (1)
// later.
constexpr auto kAgreementDue = 30min;
// An agreement to be marked missed falls due a minute after it was made: its overdue reminder
// comes in the round's first jump, and marked missed then it never reaches the team lead.
constexpr auto kMissedDue = 1min;
// The round at whose start the team lead records a casemanager absent (at least three run),
// for the round's jumps: until the clock reaches its last (5 min + 1 s, 5 min, 10 min).
constexpr int kAbsenceRound = 2;
constexpr auto kAbsence = 20min;
// A settled agreement's outcome, by round: done, cancelled (before it is due), missed.
constexpr const char* kSettled[] = {"done", "cancelled", "missed"};

// piket-cases' steps the campaign takes for a case (`clock|name`) besides kCaseSteps: a home
// ban's three, an open agreement's two.
const std::set<std::string> kBanSteps{"home_ban|decision", "home_ban|decision_unanswered",
                                      "home_ban|end"};
const std::set<std::string> kAgreementSteps{"agreement|overdue", "agreement|escalate"};
// A ban decision's reminder unanswered: only for a reminder that went to a casemanager (one to
// the team lead, while the casemanager is absent, is not watched).
const std::string kDecisionUnanswered = "home_ban|decision_unanswered";
// Each case of an absent casemanager: the team lead is asked to reassign it.
const std::string kReassignStep = "reassignment|reassign";

stack::StackSpec single_node_spec() {
  auto spec = campaign_spec();
  spec.extra_toml += kCampaignDeadlines;
  // The casemanagers sign in to the web app (light Argon2 parameters: the hash says them).
  const auto hash = web::hash_password(kPassword, web::Argon2Params{1, 8 * 1024, 1});
  for (const auto* p : {"icm-1", "icm-2", "icm-3", "icm-4", "icm-5", "icm-6"})
    spec.person_extra[p] = "password_argon2 = \"" + hash + "\"";
  return spec;
}

// What the chaos thread did.
struct Chaos {
  std::map<std::string, int> kills;     // scheduled kill -9, by component
  std::map<std::string, int> restarts;  // found dead (a crash point) and started again
  int overlapping = 0;                  // kills of two components at once
  int start_failures = 0;               // a start that failed and was tried again
};

class FaultCampaign : public ::testing::Test {
 protected:
  FaultCampaign() : s_(single_node_spec(), /*with_kannel=*/true, /*with_web=*/true) {
    const auto who = on_call_now({"127.0.0.1", s_.spec().ports.dispatch_http});
    primary_ = who.primary;
    backup_ = who.backup;
  }

  std::string phone(const std::string& person) const { return s_.config().person(person)->phone; }

  // Pages at fakesmsc by phone, then by case code: the incidents' pages, and in `deadline`
  // piket-cases' deadline pages.
  PagesByPhone pages_by_phone(PagesByPhone* deadline = nullptr) const {
    PagesByPhone ignored;
    return e2e::pages_by_phone(s_.delivered(), deadline ? deadline : &ignored);
  }

  // The shared simulated clock's now.
  common::Instant sim_now() {
    return record_.with_redis([&](common::RedisConnection& r) {
      const auto v = r.command({"GET", std::string(store::kClockSimulatedMs)});
      return v.is_nil() ? *common::parse_rfc3339(s_.spec().simulated_start)
                        : common::from_epoch_ms(std::stoll(v.str));
    });
  }

  // Posts one incident until it is accepted (a partner retries with the same body, as the
  // contract invites); its case code, or "" after 120 s. A home ban starts now and lasts
  // kBanLength.
  std::string post(const std::string& ref, bool home_ban) {
    std::string ban;
    if (home_ban) {
      const auto now = sim_now();
      ban = R"(,"home_ban":{"starts_at":")" + common::format_rfc3339(now) + R"(","ends_at":")" +
            common::format_rfc3339(now + kBanLength) + "\"}";
    }
    const std::string body =
        R"({"reference":")" + ref + R"(","kind":")" + (home_ban ? "home_ban" : "code_red") +
        R"(","region":"groningen","reported_at":"2026-11-22T07:50:00+01:00","household":"hh-fault-)" +
        ref + R"(","summary":"synthetic")" + ban + "}";
    return post_until_accepted(
        [&] {
          return s_.partner_client(s_.spec().police_token)
              ->post("/v1/incidents", "application/json", body);
        },
        refused_posts_);
  }

  // The team lead's client of the cases API.
  std::unique_ptr<common::HttpClient> team_lead_on_cases() const {
    auto lead = std::make_unique<common::HttpClient>(
        common::HostPort{"127.0.0.1", s_.spec().ports.cases}, 5s);
    lead->set_header("Authorization", std::string("Bearer ") + kTeamLeadToken);
    return lead;
  }

  // A change of a case's agreements as the team lead in the cases API, made once: the API has
  // no idempotency key (and settles an agreement once), so after a try with no answer (cases
  // or Redis down) the agreements are read, and `holds(agreements)` says whether the change is
  // already there, before `body` is posted to `path` again. True when it holds or a 2xx came;
  // false after a refusal or 120 s.
  bool change_agreements(const std::string& case_id, const std::string& path,
                         const std::string& body,
                         const std::function<bool(const json::array&)>& holds) {
    const auto list = "/v1/cases/" + case_id + "/agreements";
    const auto give_up = Steady::now() + 120s;
    std::string last;  // the last answer, for a failure's message
    while (Steady::now() < give_up) {
      try {
        auto lead = team_lead_on_cases();
        const auto listed = lead->get(list);
        if (listed.status == 200) {
          if (holds(json::parse(listed.body).at("agreements").as_array())) return true;
          const auto r = lead->post(list + path, "application/json", body);
          if (r.status >= 200 && r.status < 300) return true;
          last = std::to_string(r.status) + " " + r.body;
          if (r.status >= 400 && r.status < 500 && r.status != 409 && r.status != 429) {
            ADD_FAILURE() << "case " << case_id << ": refused " << last;
            return false;
          }
        } else {
          last = std::to_string(listed.status) + " " + listed.body;
        }
      } catch (const std::exception& e) {
        last = e.what();
      }
      std::this_thread::sleep_for(200ms);
    }
    ADD_FAILURE() << "case " << case_id << ": " << path << " not done in 120 s; last answer "
                  << last;
    return false;
  }

  // Makes an agreement with the family on the case, due `due` from now (A1: the case's only
  // one). True when the case has it.
  bool make_agreement(const std::string& case_id, std::chrono::minutes due = kAgreementDue) {
    const auto body = R"({"who":"family","category":"appointment","text":"synthetic",)"
                      R"("track":"children","due_by":")" +
                      common::format_rfc3339(sim_now() + due) + "\"}";
    return change_agreements(case_id, "", body,
                             [](const json::array& agreements) { return !agreements.empty(); });
  }

  // Settles the case's agreement A1 as `state` (done, missed or cancelled). True when it has
  // that state.
  bool settle_agreement(const std::string& case_id, const std::string& state) {
    return change_agreements(case_id, "/state",
                             json::serialize(json::object{{"agreement", "A1"}, {"state", state}}),
                             [&](const json::array& agreements) {
                               for (const auto& a : agreements)
                                 if (a.at("agreement").as_string() == "A1")
                                   return a.at("state").as_string() == state;
                               return false;
                             });
  }

  // Records `person` absent from `since` until `until`, as the team lead does (POST
  // /v1/people/{id}/absence), again until a 200 comes (the same absence again changes
  // nothing). Their open cases as the answer says, or -1 after 120 s.
  long long record_absence(const std::string& person, common::Instant since,
                           common::Instant until) {
    const auto body = json::serialize(json::object{{"absent", true},
                                                   {"since", common::format_rfc3339(since)},
                                                   {"until", common::format_rfc3339(until)}});
    const auto give_up = Steady::now() + 120s;
    while (Steady::now() < give_up) {
      try {
        const auto r = team_lead_on_cases()->post("/v1/people/" + person + "/absence",
                                                  "application/json", body);
        if (r.status == 200) return json::parse(r.body).at("open_cases").to_number<long long>();
        if (r.status >= 400 && r.status < 500 && r.status != 429) {
          ADD_FAILURE() << "the absence of " << person << " was refused " << r.status << " "
                        << r.body;
          return -1;
        }
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(200ms);
    }
    return -1;
  }

  // A session of `person` in the web app (signed in with the password), or
  // null when the sign-in got no 200 (web or Redis down).
  std::unique_ptr<common::HttpClient> web_session(const std::string& person) const {
    auto c = std::make_unique<common::HttpClient>(
        common::HostPort{"127.0.0.1", s_.spec().ports.web}, 5s);
    const auto r =
        c->post("/api/login", "application/json",
                json::serialize(json::object{{"person", person}, {"password", kPassword}}));
    if (r.status != 200) return nullptr;
    for (const auto& [name, value] : r.headers)
      if (name == "Set-Cookie" || name == "set-cookie")
        c->set_header("Cookie", value.substr(0, value.find(';')));
    c->set_header("X-CSRF-Token", std::string(json::parse(r.body).at("csrf").as_string()));
    return c;
  }

  // Acknowledges in the web app as the casemanager would, tapping again until
  // an answer comes (web, cases or Redis may be down; an acknowledgement that
  // was recorded is answered 200 again). True when a 2xx came.
  bool acknowledge_on_web(const std::string& case_id) {
    const auto page = record_.incident_page(case_id, primary_).id;
    if (page.empty()) return false;
    const auto give_up = Steady::now() + 120s;
    while (Steady::now() < give_up) {
      try {
        if (!web_) web_ = web_session(primary_);
        if (web_) {
          const auto r = web_->post("/api/pages/" + page + "/ack", "application/json", "{}");
          if (r.status >= 200 && r.status < 300) return true;
          if (r.status == 401) web_.reset();  // the session was not found: sign in again
          if (r.status >= 400 && r.status < 500 && r.status != 401 && r.status != 429) {
            ADD_FAILURE() << "case " << case_id << ": the web app refused the acknowledgement "
                          << r.status << " " << r.body;
            return false;
          }
        }
      } catch (const std::exception&) {
        web_.reset();
      }
      std::this_thread::sleep_for(200ms);
    }
    return false;
  }

  // Acknowledges by SMS as a casemanager would: again if it did not land
  // (Kannel or inbound may be down when it is sent).
  bool acknowledge(const std::string& case_id) {
    return record_.acknowledge_by_sms(case_id, primary_, [&](const std::string& code) {
      std::lock_guard lock(stack_mutex_);
      s_.local().inject_sms(phone(primary_), "4411", code);
    });
  }

  void advance(std::chrono::seconds by) {
    const auto give_up = Steady::now() + 120s;
    while (Steady::now() < give_up) {
      try {
        auto admin = s_.partner_client(s_.spec().admin_token);
        const auto r = admin->post("/v1/admin/clock", "application/json",
                                   R"({"advance_seconds":)" + std::to_string(by.count()) + "}");
        if (r.status == 200) {
          const auto now =
              common::parse_rfc3339(std::string_view(json::parse(r.body).at("now").as_string()));
          if (!now) break;
          // Services that are down follow the clock when they start again.
          for (int k = 0; k < 100; ++k) {
            try {
              std::lock_guard lock(stack_mutex_);
              if (s_.local().wait_clock_followed(*now, 200ms)) return;
            } catch (const std::exception&) {
            }
            std::this_thread::sleep_for(100ms);
          }
          return;  // checked by what follows: the steps due must still be taken
        }
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(200ms);
    }
    ADD_FAILURE() << "the clock could not be advanced for 120 s";
  }

  // Waits until every case of `cases` has at least one page at `person`'s
  // phone; the cases still without one (empty: all paged).
  std::vector<std::string> wait_paged(const std::string& person,
                                      const std::vector<std::string>& cases,
                                      std::chrono::seconds timeout,
                                      std::chrono::milliseconds* took) {
    return record_.wait_paged([&] { return pages_by_phone(); }, person, phone(person), cases,
                              timeout, took, network_lost_, with_kannel_);
  }
  // Starts `c` (again), trying up to 50 times: a start fails when Redis is
  // down meanwhile or a crash point fires during start-up.
  void start_with_retries(stack::Component c) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      try {
        std::lock_guard lock(stack_mutex_);
        s_.local().start(c);
        return;
      } catch (const std::exception&) {
        ++chaos_.start_failures;
        std::this_thread::sleep_for(200ms);
      }
    }
    ADD_FAILURE() << stack::to_string(c) << " did not start in 50 tries";
  }

  // The chaos: `kills` scheduled kill -9 at random intervals, some
  // overlapping; meanwhile any component found dead is started again.
  void run_chaos(unsigned long long seed, int kills) {
    std::mt19937_64 rng(seed);
    using stack::Component;
    // Kannel's boxes last: the draw leaves them out with PIKET_FAULT_KANNEL=0.
    enum class Target { ingest, dispatch, notify, inbound, redis, cases, web, bearerbox, smsbox };
    constexpr Target kTargets[] = {Target::ingest,  Target::dispatch,  Target::notify,
                                   Target::inbound, Target::redis,     Target::cases,
                                   Target::web,     Target::bearerbox, Target::smsbox};
    const auto name = [](Target t) {
      constexpr const char* names[] = {"ingest", "dispatch", "notify",    "inbound", "redis",
                                       "cases",  "web",      "bearerbox", "smsbox"};
      return std::string(names[static_cast<int>(t)]);
    };
    const auto component = [](Target t) {
      switch (t) {
        case Target::ingest:
          return Component::ingest;
        case Target::dispatch:
          return Component::dispatch;
        case Target::notify:
          return Component::notify;
        case Target::inbound:
          return Component::inbound;
        case Target::redis:
          return Component::redis;
        case Target::cases:
          return Component::cases;
        case Target::web:
          return Component::web;
        default:
          return Component::kannel;
      }
    };
    const Component watched[] = {Component::redis,  Component::kannel,   Component::inbound,
                                 Component::notify, Component::dispatch, Component::ingest,
                                 Component::cases,  Component::web};
    const auto revive = [&](bool count) {
      for (auto c : watched) {
        bool dead = false;
        {
          std::lock_guard lock(stack_mutex_);
          dead = !s_.local().running(c);
        }
        if (!dead) continue;
        start_with_retries(c);
        if (count) ++chaos_.restarts[std::string(stack::to_string(c))];
      }
    };
    // Kannel's boxes are in the draw unless PIKET_FAULT_KANNEL=0.
    const int last = with_kannel_ ? 8 : 6;
    std::uniform_int_distribution<int> pause_ms(150, 900), down_ms(50, 1200), pick(0, last);
    std::uniform_real_distribution<double> chance(0, 1);
    for (int k = 0; k < kills && !stop_chaos_; ++k) {
      const auto until = Steady::now() + std::chrono::milliseconds(pause_ms(rng));
      while (Steady::now() < until) {
        revive(true);
        std::this_thread::sleep_for(50ms);
      }
      std::vector<Target> now{kTargets[pick(rng)]};
      if (chance(rng) < 0.25) {
        const auto second = kTargets[pick(rng)];
        if (second != now[0]) {
          now.push_back(second);
          ++chaos_.overlapping;
          ++k;  // two kills
        }
      }
      {
        std::lock_guard lock(stack_mutex_);
        for (auto t : now) {
          if (t == Target::bearerbox) {
            // The fakesmsc running now: an SMS it logged that Kannel's store still held is
            // sent again after the restart (kannel_store_resend.hpp).
            bearerbox_killed_.insert(last_fakesmsc_pid(read_all(s_.local().fakesmsc_log())));
            s_.local().kill9(stack::KannelBox::bearerbox);
          } else if (t == Target::smsbox)
            s_.local().kill9(stack::KannelBox::smsbox);
          else
            s_.local().kill9(component(t));
          ++chaos_.kills[name(t)];
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(down_ms(rng)));
      revive(false);
    }
    // The schedule is done; the crash points are not: keep starting what dies
    // until the test is over.
    kills_done_ = true;
    while (!stop_chaos_) {
      revive(true);
      std::this_thread::sleep_for(50ms);
    }
    chaos_idle_ = true;
    // The processes this thread started die with it (the launcher sets
    // PR_SET_PDEATHSIG, which follows the thread): it ends with the test.
    while (!test_over_) std::this_thread::sleep_for(50ms);
  }

  Stack s_;
  // Redis as ops, tolerating a Redis that is being killed.
  const CampaignRecord record_{[this] { return s_.redis(); }};
  std::string primary_, backup_;
  std::mutex stack_mutex_;  // the chaos thread and the test's Kannel injections
  Chaos chaos_;
  std::set<std::string> bearerbox_killed_;  // the fakesmsc pids running when bearerbox was killed
  std::atomic<int> refused_posts_{0};
  std::atomic<bool> stop_chaos_{false};
  std::atomic<bool> kills_done_{false};
  std::atomic<bool> chaos_idle_{false};
  std::atomic<bool> test_over_{false};
  std::string phase_ = "start";              // where the campaign is, for a failure's message
  std::unique_ptr<common::HttpClient> web_;  // the primary's session in the web app

 public:
  void run_campaign();
  bool with_kannel_ = env_number("PIKET_FAULT_KANNEL", 1) != 0;
  std::set<std::string> network_lost_;  // "case person": sent by Kannel, not at fakesmsc
};

void FaultCampaign::run_campaign() {
  const auto seed = env_number("PIKET_FAULT_SEED", 20261206);
  const auto kills = static_cast<int>(env_number("PIKET_FAULT_KILLS", 100));
  std::cout << "[ campaign ] seed " << seed << " (PIKET_FAULT_SEED), " << kills
            << " scheduled kills (PIKET_FAULT_KILLS)" << std::endl;
  ASSERT_NE(primary_, backup_);
  // The crash points are on in every process started from now on: the chaos
  // restarts each component early, and the first ones came up without them.
  const auto fault_log = s_.local().log_dir() / "faults.log";
  std::filesystem::remove(fault_log);
  ::setenv("PIKET_FAULT_POINTS", kSingleNodeFaultPoints.c_str(), 1);
  ::setenv("PIKET_FAULT_SEED", std::to_string(seed).c_str(), 1);
  ::setenv("PIKET_FAULT_LOG", fault_log.c_str(), 1);

  const auto began = Steady::now();
  std::thread chaos([&] { run_chaos(seed, kills); });
  // A failed assertion returns early: the chaos stops and is joined first.
  struct Join {
    std::thread& t;
    std::atomic<bool>& stop;
    std::atomic<bool>& over;
    ~Join() {
      stop = true;
      over = true;
      if (t.joinable()) t.join();
    }
  } join{chaos, stop_chaos_, test_over_};

  std::vector<std::string> acked, unacked;
  std::set<std::string> bans;                  // the cases opened by a home ban
  std::set<std::string> agreed;                // the cases with an open agreement
  std::map<std::string, std::string> settled;  // case -> its agreement's outcome
  std::string absent;                          // the casemanager recorded absent
  common::Instant absent_since{}, absent_until{};
  std::set<std::string> open_at_absence;         // the cases posted until the absence's round
  long long absent_cases = 0;                    // their open cases then, as the API said
  std::map<std::string, std::string> acked_via;  // case -> "sms" or "web"
  std::chrono::milliseconds longest_primary{0}, longest_step{0};
  int round = 0;
  common::Instant last_posted{};  // the clock when the last round posted
  constexpr int kPerRound = 8;
  // Rounds go on until the schedule is done and every crash point has fired (at most 25
  // rounds for the default 100 kills, as many more for a soak's: the points fire at random).
  const int max_rounds = std::max(25, kills / 4);
  while ((!kills_done_ || round < 3 || !every_point_fired(fault_log, kSingleNodePointNames)) &&
         round < max_rounds) {
    std::vector<std::string> cases;
    if (round == kAbsenceRound) {
      // The team lead records absent a casemanager with open cases (one not on call as the
      // primary, if there is one), from a second after the clock's now: piket-cases has taken
      // every step due until now, so each later step sees the absence.
      phase_ = "round " + std::to_string(round) + ": absence";
      record_.wait_cases_caught_up();
      std::map<std::string, int> held;
      for (const auto* group : {&acked, &unacked})
        for (const auto& c : *group) ++held[record_.casemanager_of(c)];
      held.erase("");
      ASSERT_FALSE(held.empty()) << "no case has a casemanager";
      absent = held.begin()->first;
      for (const auto& [person, n] : held)
        if (person != primary_ && (absent == primary_ || n > held[absent])) absent = person;
      absent_since = sim_now() + 1s;
      absent_until = absent_since + kAbsence;
      absent_cases = record_absence(absent, absent_since, absent_until);
      ASSERT_GT(absent_cases, 0) << absent << ": the absence was not recorded";
      std::cout << "[ absence ] " << absent << " absent from "
                << common::format_rfc3339(absent_since) << " until "
                << common::format_rfc3339(absent_until) << " with " << absent_cases << " open cases"
                << std::endl;
    }
    phase_ = "round " + std::to_string(round) + ": posting";
    std::cout << "[ round ] " << round << " at "
              << std::chrono::duration_cast<std::chrono::seconds>(Steady::now() - began).count()
              << " s" << std::endl;
    last_posted = sim_now();
    for (int k = 0; k < kPerRound; ++k) {
      // Code red, and a home ban for every other pair: acknowledged by SMS and in the web app,
      // and unanswered.
      const bool home_ban = k % 4 >= 2;
      const auto c = post("R" + std::to_string(round) + "-" + std::to_string(k), home_ban);
      ASSERT_FALSE(c.empty()) << "an incident was not accepted in 120 s of retrying";
      cases.push_back(c);
      if (home_ban) bans.insert(c);
      if (round <= kAbsenceRound) open_at_absence.insert(c);
    }
    // An agreement on a code red acknowledged in the web app and on one unanswered.
    phase_ = "round " + std::to_string(round) + ": agreements";
    for (const int k : {1, 5}) {
      ASSERT_TRUE(make_agreement(cases[k])) << "case " << cases[k] << ": no agreement in 120 s";
      agreed.insert(cases[k]);
    }
    // And one on a code red acknowledged by SMS, settled: done or cancelled at once, or
    // missed after its overdue reminder (below).
    const std::string outcome = kSettled[round % 3];
    ASSERT_TRUE(make_agreement(cases[0], outcome == "missed" ? kMissedDue : kAgreementDue))
        << "case " << cases[0] << ": no agreement in 120 s";
    settled[cases[0]] = outcome;
    if (outcome != "missed") {
      ASSERT_TRUE(settle_agreement(cases[0], outcome))
          << "case " << cases[0] << ": the agreement not " << outcome << " in 120 s";
    }
    std::chrono::milliseconds took{0};
    phase_ = "round " + std::to_string(round) + ": primary pages";
    ASSERT_EQ(wait_paged(primary_, cases, 120s, &took), std::vector<std::string>{})
        << "round " << round << ": accepted incidents not paged after " << took.count() << " ms";
    longest_primary = std::max(longest_primary, took);
    std::vector<std::string> yes(cases.begin(), cases.begin() + kPerRound / 2);
    std::vector<std::string> no(cases.begin() + kPerRound / 2, cases.end());
    phase_ = "round " + std::to_string(round) + ": acknowledging";
    for (std::size_t k = 0; k < yes.size(); ++k) {
      // Half by SMS, half in the web app (its 2xx received: recorded).
      if (k % 2 == 0) {
        ASSERT_TRUE(acknowledge(yes[k])) << "case " << yes[k] << ": the SMS never landed";
        acked_via[yes[k]] = "sms";
      } else {
        ASSERT_TRUE(acknowledge_on_web(yes[k]))
            << "case " << yes[k] << ": the web app answered no 2xx in 120 s";
        acked_via[yes[k]] = "web";
      }
    }
    phase_ = "round " + std::to_string(round) + ": backup step";
    advance(5min + 1s);
    ASSERT_EQ(wait_paged(backup_, no, 120s, &took), std::vector<std::string>{})
        << "round " << round << ": backup step after " << took.count() << " ms";
    longest_step = std::max(longest_step, took);
    if (outcome == "missed") {
      // Its overdue reminder was due in the jump: once taken, the agreement is marked missed.
      phase_ = "round " + std::to_string(round) + ": an agreement missed";
      record_.wait_cases_caught_up();
      ASSERT_TRUE(settle_agreement(cases[0], "missed"))
          << "case " << cases[0] << ": the agreement not missed in 120 s";
    }
    phase_ = "round " + std::to_string(round) + ": team lead step";
    advance(5min);
    ASSERT_EQ(wait_paged("tl-g", no, 120s, &took), std::vector<std::string>{})
        << "round " << round << ": team lead step after " << took.count() << " ms";
    longest_step = std::max(longest_step, took);
    // The absence ends with the round's last jump: the cases to reassign are by then.
    if (round == kAbsenceRound) record_.wait_cases_caught_up();
    advance(10min);
    acked.insert(acked.end(), yes.begin(), yes.end());
    unacked.insert(unacked.end(), no.begin(), no.end());
    ++round;
  }
  // The last rounds' slower clocks (the plan's two hours, a ban's 80 minutes) run out in
  // further jumps, still under fire (the crash points are on and the chaos starts what dies):
  // 20 minutes at a time, each taken by piket-cases before the next.
  phase_ = "the clocks run out";
  while (sim_now() <= last_posted + kLastStep) {
    advance(20min);
    record_.wait_cases_caught_up();
  }
  phase_ = "calm and count";
  // Calm: the chaos ends; every service is restarted gracefully without the
  // crash points (a dead one started); anything late (a resend, an in-doubt
  // send, a timer) has time to show.
  stop_chaos_ = true;
  while (!chaos_idle_) std::this_thread::sleep_for(50ms);
  ::unsetenv("PIKET_FAULT_POINTS");
  for (auto c : {stack::Component::redis, stack::Component::kannel, stack::Component::inbound,
                 stack::Component::notify, stack::Component::dispatch, stack::Component::ingest,
                 stack::Component::cases, stack::Component::web}) {
    if ((c == stack::Component::redis || c == stack::Component::kannel) && s_.local().running(c))
      continue;
    start_with_retries(c);
  }
  for (int k = 0; k < 3; ++k) advance(1min);
  // By the record, not by waiting a while: piket-cases has taken every step
  // due, and nothing is on its way to a phone (a send in doubt stays queued
  // until it goes again).
  const auto settle_until = Steady::now() + 120s;
  while (!(record_.cases_caught_up() && s_.nothing_to_send()) && Steady::now() < settle_until)
    std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(record_.cases_caught_up()) << "piket-cases left due steps untaken for 120 s";
  EXPECT_TRUE(s_.nothing_to_send()) << "messages still on their way after 120 s";
  std::this_thread::sleep_for(15s);  // Kannel's own resends from its store

  // What explains a page twice: the sends notify made again in doubt or after no answer from
  // the gateway and the pages Kannel reported twice, by case; and the SMS Kannel sent again
  // from its store after bearerbox was killed, when piket sent them once.
  const auto logs = s_.local().log_dir();
  auto why = explain_twice(record_,
                           {read_all(logs / "notify.log"), read_all(logs / "inbound.log"),
                            read_all(s_.local().fakesmsc_log())},
                           bearerbox_killed_, {primary_, backup_, "tl-g"},
                           [&](const std::string& p) { return phone(p); });
  why.network_lost = network_lost_;
  why.with_kannel = with_kannel_;
  PagesByPhone deadline_pages;
  PageTally tally(
      pages_by_phone(&deadline_pages), [&](const std::string& p) { return phone(p); },
      {primary_, backup_, "tl-g"}, acked, unacked, why);

  // piket-cases, by the record: every case's clocks ran out in the jumps, so
  // each case took exactly its steps — kCaseSteps, and kBanSteps for a home
  // ban — once each (one key in case:{id}:fired, one deadline_fired entry in
  // its timeline); and each acknowledgement is on the timeline exactly once,
  // by the way it was made (a web acknowledgement whose 2xx came, or an SMS),
  // none for the others.
  DeadlineTally deadlines;
  int absent_paged_after = 0, replaced = 0, reassigned = 0;  // the absence's steps
  for (const auto* group : {&acked, &unacked})
    for (const auto& c : *group) {
      const auto rec = record_.case_record(c);
      const auto cm = record_.casemanager_of(c);
      const bool of_absent = !absent.empty() && cm == absent;
      bool decision_to_casemanager = false;
      for (const auto& st : rec.steps) {
        // Who it went to: the team lead's steps to the team lead; the casemanager's to the
        // casemanager — or to the team lead when there is none, or once the casemanager is
        // absent (the recipient is decided when a step is taken: from the absence's start to
        // its end).
        const bool during =
            st.at >= common::to_epoch_ms(absent_since) && st.at < common::to_epoch_ms(absent_until);
        const bool after_absence = of_absent && during;
        const std::string want_to =
            st.role == "team_lead" || cm.empty() || after_absence ? "tl-g" : cm;
        EXPECT_EQ(st.to, want_to) << "case " << c << ": step " << st.key << " (" << st.role
                                  << ") went to " << st.to;
        if (!absent.empty() && st.to == absent && during) ++absent_paged_after;
        if (after_absence && st.role == "casemanager") ++replaced;
        if (st.key.find("|home_ban|decision|") != std::string::npos)
          decision_to_casemanager = st.to != "tl-g";
      }
      auto want = kCaseSteps;
      if (bans.count(c)) want.insert(kBanSteps.begin(), kBanSteps.end());
      // A decision's reminder to the team lead (the casemanager absent) is not watched.
      if (bans.count(c) && !decision_to_casemanager) want.erase(kDecisionUnanswered);
      if (agreed.count(c)) want.insert(kAgreementSteps.begin(), kAgreementSteps.end());
      // A settled agreement has no clock; one missed after its overdue reminder, no escalation.
      if (settled.count(c) && settled.at(c) == "missed") want.insert("agreement|overdue");
      if (of_absent && open_at_absence.count(c)) {
        want.insert(kReassignStep);
        ++reassigned;
      }
      deadlines.add(record_, c, rec, want);
      EXPECT_EQ(rec.agreements, agreed.count(c) || settled.count(c) ? 1 : 0)
          << "case " << c << ": its agreements (one made, and once: a retry must not make two)";
      const auto via = acked_via.find(c);
      EXPECT_EQ(rec.acks, via == acked_via.end() ? std::vector<std::string>{}
                                                 : std::vector<std::string>{via->second})
          << "case " << c << ": its acknowledgements, by the way they came";
    }
  // Each deadline page reached its phone once (explained if twice), as the timelines say (a
  // page Kannel reported sent and fakesmsc lost is the network's), and none other.
  deadlines.check_phones(tally, deadline_pages, why.store_resent_deadline,
                         [&](const std::string& p) { return phone(p); });

  // Every crash point fired at least once.
  const auto fired = fired_points(fault_log);
  for (const auto& p : kSingleNodePointNames)
    EXPECT_GT(fired.count(p) ? fired.at(p) : 0, 0) << "crash point " << p << " never fired";

  int scheduled = 0, restarted = 0;
  std::map<std::string, int> outcomes;  // settled agreements by outcome
  for (const auto& [c, o] : settled) ++outcomes[o];
  std::cout << "[ campaign ] kills by component:";
  for (const auto& [c, n] : chaos_.kills) {
    std::cout << " " << c << "=" << n;
    scheduled += n;
  }
  std::cout << "\n[ campaign ] crash points fired:";
  for (const auto& [p, n] : fired) std::cout << " " << p << "=" << n;
  std::cout << "\n[ campaign ] found dead and restarted:";
  for (const auto& [c, n] : chaos_.restarts) {
    std::cout << " " << c << "=" << n;
    restarted += n;
  }
  int points = 0;
  for (const auto& [p, n] : fired) points += n;
  const auto wall_s =
      std::chrono::duration_cast<std::chrono::seconds>(Steady::now() - began).count();
  std::cout << "\n[ campaign ] " << scheduled << " scheduled kills (" << chaos_.overlapping
            << " overlapping pairs) + " << points << " crash points = " << scheduled + points
            << " kills; " << chaos_.start_failures << " starts tried again\n"
            << "[ campaign ] " << round << " rounds, " << acked.size() + unacked.size()
            << " incidents accepted (" << bans.size() << " home bans; " << agreed.size()
            << " agreements open, " << outcomes["done"] << " done, " << outcomes["cancelled"]
            << " cancelled, " << outcomes["missed"] << " missed), " << refused_posts_
            << " posts refused or unanswered, " << tally.lost << " lost, " << tally.twice
            << " pages twice (" << tally.explained << " explained, of which " << tally.from_store
            << " sent again by Kannel from its store after its restart; " << tally.unexplained
            << " unexplained), " << tally.network
            << " lost by the phone network after Kannel sent them, " << tally.after_ack
            << " steps after an acknowledgement\n"
            << "[ campaign ] longest wait: post to primary page " << longest_primary.count()
            << " ms; clock jump to escalation page " << longest_step.count() << " ms\n"
            << "[ campaign ] piket-cases: " << deadlines.steps << " deadline steps taken ("
            << deadlines.paged << " paged), " << deadlines.twice << " taken twice;";
  for (const auto& [kind, n] : deadlines.by_kind) std::cout << " " << kind << "=" << n;
  std::cout << "\n[ campaign ] absence: " << absent << " (" << absent_cases << " open cases then, "
            << reassigned << " cases to reassign): " << replaced
            << " of their steps to the team lead instead, " << absent_paged_after
            << " deadline pages to them while absent";
  std::cout << "\n[ campaign ] acknowledged "
            << std::count_if(acked_via.begin(), acked_via.end(),
                             [](const auto& a) { return a.second == "sms"; })
            << " by SMS, "
            << std::count_if(acked_via.begin(), acked_via.end(),
                             [](const auto& a) { return a.second == "web"; })
            << " in the web app; " << wall_s << " s" << std::endl;
  EXPECT_GE(scheduled + points, 100);
  EXPECT_EQ(deadlines.twice, 0);
  EXPECT_EQ(deadlines.steps, deadlines.wanted);
  EXPECT_EQ(absent_paged_after, 0) << "deadline pages to " << absent << " while absent";
  EXPECT_GE(reassigned, absent_cases) << "every case of " << absent << " then to reassign";
  EXPECT_EQ(tally.lost, 0);
  EXPECT_EQ(tally.unexplained, 0);
  EXPECT_EQ(tally.after_ack, 0);
}

TEST_F(FaultCampaign, HundredKillsAndCrashPointsLoseNoIncidentAndTakeNoStepTwice) {
  try {
    run_campaign();
  } catch (const std::exception& e) {
    FAIL() << "at " << phase_ << ": " << e.what();
  }
}

// Races through the real HTTP server and Redis: 50 partners' threads post the
// same incident at once (one 201, the rest 200 with the same ids), then 50
// post the same reference with 50 different bodies (one 201, 49 × 409).
TEST(HttpRaces, FiftyIdenticalPostsAreOneIncidentAndFiftyDifferentBodiesOneAnd409s) {
  Stack s(stack::StackSpec{}, /*with_kannel=*/false);
  constexpr int kThreads = 50;
  const auto race = [&](const std::function<std::string(int)>& body) {
    std::latch start(kThreads);
    std::mutex m;
    std::vector<std::pair<int, std::string>> answers;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        auto client = s.partner_client(s.spec().police_token);
        start.arrive_and_wait();
        const auto r = client->post("/v1/incidents", "application/json", body(t));
        std::lock_guard lock(m);
        answers.emplace_back(r.status, r.body);
      });
    for (auto& t : threads) t.join();
    return answers;
  };
  const auto incident = [](const std::string& ref, const std::string& summary) {
    return R"({"reference":")" + ref +
           R"(","kind":"code_red","region":"groningen","reported_at":"2026-11-22T07:50:00+01:00","household":"hh-race","summary":")" +
           summary + R"("})";
  };

  const auto same = race([&](int) { return incident("RACE-SAME", "synthetic"); });
  std::map<int, int> by_status;
  std::set<std::string> ids;
  for (const auto& [status, body] : same) {
    ++by_status[status];
    if (status == 200 || status == 201)
      ids.insert(std::string(json::parse(body).at("incident_id").as_string()));
  }
  EXPECT_EQ(by_status[201], 1);
  EXPECT_EQ(by_status[200], kThreads - 1);
  EXPECT_EQ(ids.size(), 1u) << "every answer names the one incident";

  const auto differ =
      race([&](int t) { return incident("RACE-DIFF", "variant " + std::to_string(t)); });
  std::map<int, int> by_status2;
  for (const auto& [status, body] : differ) ++by_status2[status];
  EXPECT_EQ(by_status2[201], 1);
  EXPECT_EQ(by_status2[409], kThreads - 1);

  auto redis = s.redis();
  std::size_t incidents = 0;
  for (const auto& k : redis.command({"KEYS", store::incident_key("*")}).elements)
    incidents += k.str.size() == store::incident_key("I0123456789ABCDEF").size();
  EXPECT_EQ(incidents, 2u) << "two incidents in all, no half-written third";
}

}  // namespace
}  // namespace piket::e2e
