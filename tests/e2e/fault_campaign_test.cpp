// The fault campaign (issue 19, docs/testing.md "Fault campaign"): a seeded
// random schedule of kill -9 — every paging service, Redis, bearerbox and
// smsbox, several kills of each, some two at once — while incidents are
// posted, pages answered and the simulated clock jumps so that escalations
// fall due; and the crash points (common/fault_point.hpp) switched on, so
// that services also die at the most dangerous instants: after the gateway
// took an SMS and before its record, between an accepted incident and its
// wake-up, between an escalation step and its message, between the stages of
// a batch. A service that dies is started again, as systemd would.
//
// Rounds of work, each with an exact expectation: a round's incidents are
// paged to the primary once each; half are acknowledged by SMS; the clock
// jumps 5 minutes and the other half goes to the backup, once each; another
// 5 and it goes to the team lead, once each; another 10 and the policy
// (repeat = 0) is exhausted. After the last round and a calm period every
// phone's pages are counted by case: none lost, no step twice, no page twice
// unless notify sent it again because its send was in doubt (the worker died
// and no delivery report came: the one duplicate piket allows, docs/paging.md)
// — each such duplicate is listed.
//
// PIKET_FAULT_SEED sets the seed (printed); PIKET_FAULT_KILLS the number of
// scheduled kills (default 100; a soak sets more); PIKET_FAULT_KANNEL=0 leaves
// Kannel's boxes out of the draw.

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <fstream>
#include <functional>
#include <latch>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <sstream>

#include "campaign_support.hpp"
#include "piket/common/time_format.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/page.hpp"
#include "stack_fixture.hpp"

namespace piket::e2e {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

// What the chaos thread did.
struct Chaos {
  std::map<std::string, int> kills;     // scheduled kill -9, by component
  std::map<std::string, int> restarts;  // found dead (a crash point) and started again
  int overlapping = 0;                  // kills of two components at once
  int start_failures = 0;               // a start that failed and was tried again
};

class FaultCampaign : public ::testing::Test {
 protected:
  FaultCampaign() : s_(campaign_spec()) {
    auto lead = std::make_unique<common::HttpClient>(
        common::HostPort{"127.0.0.1", s_.spec().ports.dispatch_http}, 5s);
    lead->set_header("Authorization", std::string("Bearer ") + kTeamLeadToken);
    const auto r = lead->get("/v1/rota/oncall?region=groningen");
    EXPECT_EQ(r.status, 200) << r.body;
    const auto layers = json::parse(r.body).at("layers").as_object();
    primary_ = json::value_to<std::string>(layers.at("primary").as_array().at(0));
    backup_ = json::value_to<std::string>(layers.at("backup").as_array().at(0));
  }

  std::string phone(const std::string& person) const { return s_.config().person(person)->phone; }

  // Pages at fakesmsc by phone, then by case code (a bundle carries several).
  // A long bundle arrives as a concatenated SMS whose parts may cut a case
  // code in two: each phone's texts are read joined, in order.
  std::map<std::string, std::map<std::string, int>> pages_by_phone() const {
    return e2e::pages_by_phone(s_.delivered());
  }

  // Posts one incident until it is accepted (a partner retries with the same
  // reference, as the contract invites); its case code, or "" after 120 s.
  std::string post(const std::string& ref) {
    const std::string body =
        R"({"reference":")" + ref +
        R"(","kind":"code_red","region":"groningen","reported_at":"2026-11-22T07:50:00+01:00","household":"hh-fault-)" +
        ref + R"(","summary":"synthetic"})";
    const auto give_up = Steady::now() + 120s;
    while (Steady::now() < give_up) {
      try {
        auto partner = s_.partner_client(s_.spec().police_token);
        const auto r = partner->post("/v1/incidents", "application/json", body);
        if (r.status == 200 || r.status == 201)
          return std::string(json::parse(r.body).at("case_id").as_string());
        ++refused_posts_;
      } catch (const std::exception&) {
        ++refused_posts_;
      }
      std::this_thread::sleep_for(100ms);
    }
    return "";
  }

  // Redis as ops, tolerating a Redis that is being killed: retries for 120 s.
  template <typename F>
  auto with_redis(F f) {
    const auto give_up = Steady::now() + 120s;
    for (;;) {
      try {
        auto redis = s_.redis();
        return f(redis);
      } catch (const std::exception& e) {
        if (Steady::now() > give_up) {
          ADD_FAILURE() << "Redis unreachable for 120 s: " << e.what();
          throw;
        }
        std::this_thread::sleep_for(200ms);
      }
    }
  }

  std::string incident_field(const std::string& incident, const std::string& field) {
    return with_redis([&](common::RedisConnection& r) {
      const auto v = r.command({"HGET", store::incident_key(incident), field});
      return v.is_nil() ? std::string("<nil>") : v.str;
    });
  }

  // A page to one person, as Redis holds it.
  struct PageFacts {
    std::string id, incident, case_id, ack_code;
  };
  // Every page to `person` (page:{id} hashes only, not their sub-keys).
  std::vector<PageFacts> pages_to(const std::string& person) {
    return with_redis([&](common::RedisConnection& r) {
      std::vector<PageFacts> out;
      for (const auto& k : r.command({"KEYS", store::page_key("*")}).elements) {
        if (k.str.size() != store::page_key("P0123456789ABCDEF").size()) continue;
        const auto f = r.command({"HMGET", k.str, "incident", "person", "ack_code"});
        if (f.elements[1].str != person) continue;
        const auto c = r.command({"HGET", store::incident_key(f.elements[0].str), "case_id"});
        out.push_back(
            {k.str.substr(5), f.elements[0].str, c.is_nil() ? "" : c.str, f.elements[2].str});
      }
      return out;
    });
  }
  // The case of a page; empty when unknown.
  std::string case_of_page(const std::string& page) {
    return with_redis([&](common::RedisConnection& r) {
      const auto inc = r.command({"HGET", store::page_key(page), "incident"});
      if (inc.is_nil()) return std::string();
      const auto cs = r.command({"HGET", store::incident_key(inc.str), "case_id"});
      return cs.is_nil() ? std::string() : cs.str;
    });
  }
  // The cases of the pages a service's log names in `pattern`'s first group.
  std::vector<std::string> cases_in_log(const std::string& service, const std::regex& pattern) {
    std::vector<std::string> out;
    const auto log = read_all(s_.local().log_dir() / (service + ".log"));
    for (auto it = std::sregex_iterator(log.begin(), log.end(), pattern);
         it != std::sregex_iterator(); ++it)
      out.push_back(case_of_page((*it)[1].str()));
    return out;
  }

  // The incident of a case (each case here has one) and the reply code of its
  // page to `person`.
  std::pair<std::string, std::string> incident_and_code(const std::string& case_id,
                                                        const std::string& person) {
    for (const auto& p : pages_to(person))
      if (p.case_id == case_id) return {p.incident, p.ack_code};
    return {};
  }

  // Acknowledges by SMS as a casemanager would: again if it did not land
  // (Kannel or inbound may be down when it is sent).
  bool acknowledge(const std::string& case_id) {
    const auto [incident, code] = incident_and_code(case_id, primary_);
    if (incident.empty()) return false;
    const auto give_up = Steady::now() + 120s;
    auto next_send = Steady::now();
    while (Steady::now() < give_up) {
      if (incident_field(incident, "status") == "acknowledged") return true;
      if (Steady::now() >= next_send) {
        try {
          std::lock_guard lock(stack_mutex_);
          s_.local().inject_sms(phone(primary_), "4411", code);
          next_send = Steady::now() + 8s;
        } catch (const std::exception&) {
          next_send = Steady::now() + 500ms;  // fakesmsc is being restarted
        }
      }
      std::this_thread::sleep_for(100ms);
    }
    return false;
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

  // The cases of `cases` whose page to `person` Kannel reported as sent
  // (delivery report 1 or 8). With Kannel in the draw, fakesmsc — the phone
  // network here — is restarted with Kannel and may lose what bearerbox had
  // already handed it: such a page reached the gateway, and the campaign
  // counts it as lost outside piket.
  std::set<std::string> gateway_reported(const std::string& person,
                                         const std::vector<std::string>& cases) {
    const std::set<std::string> wanted(cases.begin(), cases.end());
    std::set<std::string> out;
    for (const auto& p : pages_to(person)) {
      if (!wanted.count(p.case_id)) continue;
      with_redis([&](common::RedisConnection& r) {
        for (const char* type : {"1", "8"})
          if (r.command({"SISMEMBER", store::page_dlr_types_key(p.id), type}).integer == 1)
            out.insert(p.case_id);
        return 0;
      });
    }
    return out;
  }

  // Waits until every case of `cases` has at least one page at `person`'s
  // phone; the cases still without one (empty: all paged).
  std::vector<std::string> wait_paged(const std::string& person,
                                      const std::vector<std::string>& cases,
                                      std::chrono::seconds timeout,
                                      std::chrono::milliseconds* took) {
    const auto start = Steady::now();
    std::vector<std::string> missing;
    for (;;) {
      const auto all = pages_by_phone();
      const auto it = all.find(phone(person));
      missing.clear();
      for (const auto& c : cases)
        if (it == all.end() || !it->second.count(c)) missing.push_back(c);
      *took = std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - start);
      if (with_kannel_ && !missing.empty() && *took > 5s) {
        const auto sent = gateway_reported(person, missing);
        for (const auto& c : sent) network_lost_.insert(c + " " + person);
        std::erase_if(missing, [&](const std::string& c) { return sent.count(c) > 0; });
      }
      if (missing.empty() || Steady::now() - start > timeout) return missing;
      std::this_thread::sleep_for(100ms);
    }
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
    enum class Target { ingest, dispatch, notify, inbound, redis, bearerbox, smsbox };
    constexpr Target kTargets[] = {Target::ingest,  Target::dispatch, Target::notify,
                                   Target::inbound, Target::redis,    Target::bearerbox,
                                   Target::smsbox};
    const auto name = [](Target t) {
      constexpr const char* names[] = {"ingest", "dispatch",  "notify", "inbound",
                                       "redis",  "bearerbox", "smsbox"};
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
        default:
          return Component::kannel;
      }
    };
    const Component watched[] = {Component::redis,  Component::kannel,   Component::inbound,
                                 Component::notify, Component::dispatch, Component::ingest};
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
    const int last = with_kannel_ ? 6 : 4;
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
          if (t == Target::bearerbox)
            s_.local().kill9(stack::KannelBox::bearerbox);
          else if (t == Target::smsbox)
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
  std::string primary_, backup_;
  std::mutex stack_mutex_;  // the chaos thread and the test's Kannel injections
  Chaos chaos_;
  std::atomic<int> refused_posts_{0};
  std::atomic<bool> stop_chaos_{false};
  std::atomic<bool> kills_done_{false};
  std::atomic<bool> chaos_idle_{false};
  std::atomic<bool> test_over_{false};
  std::string phase_ = "start";  // where the campaign is, for a failure's message

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
  ::setenv("PIKET_FAULT_POINTS", kFaultPoints, 1);
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
  std::chrono::milliseconds longest_primary{0}, longest_step{0};
  int round = 0;
  constexpr int kPerRound = 8;
  // Rounds go on until the schedule is done and every crash point has fired
  // (at most 25 rounds: the points fire at random).
  const auto every_point_fired = [&] {
    const auto text = read_all(fault_log);
    for (const auto* p : kPointNames)
      if (text.find(std::string(p) + " ") == std::string::npos) return false;
    return true;
  };
  while ((!kills_done_ || round < 3 || !every_point_fired()) && round < 25) {
    std::vector<std::string> cases;
    phase_ = "round " + std::to_string(round) + ": posting";
    std::cout << "[ round ] " << round << " at "
              << std::chrono::duration_cast<std::chrono::seconds>(Steady::now() - began).count()
              << " s" << std::endl;
    for (int k = 0; k < kPerRound; ++k) {
      const auto c = post("R" + std::to_string(round) + "-" + std::to_string(k));
      ASSERT_FALSE(c.empty()) << "an incident was not accepted in 120 s of retrying";
      cases.push_back(c);
    }
    std::chrono::milliseconds took{0};
    phase_ = "round " + std::to_string(round) + ": primary pages";
    ASSERT_EQ(wait_paged(primary_, cases, 120s, &took), std::vector<std::string>{})
        << "round " << round << ": accepted incidents not paged after " << took.count() << " ms";
    longest_primary = std::max(longest_primary, took);
    std::vector<std::string> yes(cases.begin(), cases.begin() + kPerRound / 2);
    std::vector<std::string> no(cases.begin() + kPerRound / 2, cases.end());
    phase_ = "round " + std::to_string(round) + ": acknowledging";
    for (const auto& c : yes)
      ASSERT_TRUE(acknowledge(c)) << "case " << c << ": the acknowledgement never landed";
    phase_ = "round " + std::to_string(round) + ": backup step";
    advance(5min + 1s);
    ASSERT_EQ(wait_paged(backup_, no, 120s, &took), std::vector<std::string>{})
        << "round " << round << ": backup step after " << took.count() << " ms";
    longest_step = std::max(longest_step, took);
    phase_ = "round " + std::to_string(round) + ": team lead step";
    advance(5min);
    ASSERT_EQ(wait_paged("tl-g", no, 120s, &took), std::vector<std::string>{})
        << "round " << round << ": team lead step after " << took.count() << " ms";
    longest_step = std::max(longest_step, took);
    advance(10min);
    acked.insert(acked.end(), yes.begin(), yes.end());
    unacked.insert(unacked.end(), no.begin(), no.end());
    ++round;
  }
  phase_ = "calm and count";
  // Calm: the chaos ends; every service is restarted gracefully without the
  // crash points (a dead one started); anything late (a resend, an in-doubt
  // send, a timer) has time to show.
  stop_chaos_ = true;
  while (!chaos_idle_) std::this_thread::sleep_for(50ms);
  ::unsetenv("PIKET_FAULT_POINTS");
  for (auto c : {stack::Component::redis, stack::Component::kannel, stack::Component::inbound,
                 stack::Component::notify, stack::Component::dispatch, stack::Component::ingest}) {
    if ((c == stack::Component::redis || c == stack::Component::kannel) && s_.local().running(c))
      continue;
    start_with_retries(c);
  }
  for (int k = 0; k < 3; ++k) advance(1min);
  std::this_thread::sleep_for(15s);

  // The sends notify made again because they were in doubt (a delivery id is
  // "{page}:{channel}", store/delivery.hpp), and the pages Kannel reported
  // twice (it sent them again itself, from its store, after a restart): their
  // cases.
  Explanations why;
  for (const auto& c : cases_in_log("notify", in_doubt_resend_line())) why.in_doubt.insert(c);
  for (const auto& c : cases_in_log("inbound", kannel_resent_line())) why.kannel_resent.insert(c);
  why.network_lost = network_lost_;
  why.with_kannel = with_kannel_;
  const PageTally tally(
      pages_by_phone(), [&](const std::string& p) { return phone(p); }, {primary_, backup_, "tl-g"},
      acked, unacked, why);
  const int lost = tally.lost, steps_twice = tally.twice, explained = tally.explained,
            unexplained = tally.unexplained, wrong_step = tally.after_ack, network = tally.network;

  // Every crash point fired at least once.
  const auto fired_log = read_all(fault_log);
  std::map<std::string, int> fired;
  std::istringstream lines(fired_log);
  for (std::string name, pid; lines >> name >> pid;) ++fired[name];
  for (const auto* p : kPointNames) EXPECT_GT(fired[p], 0) << "crash point " << p << " never fired";

  int scheduled = 0, restarted = 0;
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
  std::cout << "\n[ campaign ] " << scheduled << " scheduled kills (" << chaos_.overlapping
            << " overlapping pairs) + " << points << " crash points = " << scheduled + points
            << " kills; " << chaos_.start_failures << " starts tried again\n"
            << "[ campaign ] " << round << " rounds, " << acked.size() + unacked.size()
            << " incidents accepted, " << refused_posts_ << " posts refused or unanswered, " << lost
            << " lost, " << steps_twice << " pages twice (" << explained << " explained, "
            << unexplained << " unexplained), " << network
            << " lost by the phone network after Kannel sent them, " << wrong_step
            << " steps after an acknowledgement\n"
            << "[ campaign ] longest wait: post to primary page " << longest_primary.count()
            << " ms; clock jump to escalation page " << longest_step.count() << " ms" << std::endl;
  EXPECT_GE(scheduled + points, 100);
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(unexplained, 0);
  EXPECT_EQ(wrong_step, 0);
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
