// The fault campaign on the cluster (issue 19 on issue 13's topology; label `faults-cluster`,
// docs/testing.md "Fault campaign on the cluster"). The single node's campaign
// (tests/e2e/fault_campaign_test.cpp) on the local cluster (stack::ClusterStack: three Redis
// with three sentinels, two instances of every service, Kannel with fakesmsc): rounds of
// incidents posted to both ingest instances, pages half answered by SMS, simulated clock jumps
// that make the backup's and the team lead's steps due — while a seeded schedule kills with
// SIGKILL the Redis primary, a replica, a sentinel, either instance of every service (ingest,
// dispatch, notify, inbound, cases, web), bearerbox or smsbox, a quarter of the time two at
// once, and the crash points (common/fault_point.hpp) are on in every process started.
//
// Two at once never means two Redis nodes or two sentinels: the cluster promises to survive
// one node (or sentinel) lost at a time (docs/availability.md); with `WAIT 1` a write may be
// on one replica only, and losing it with the primary is outside the promise. Two instances of
// one service at once (the service wholly down for a while) is in the draw.
//
// The chaos runs on the test's own thread (the processes it starts again die with the thread
// that started them, PR_SET_PDEATHSIG) and the rounds on a second one. After the schedule and
// a calm period (every service restarted gracefully without crash points, three more minutes
// of simulated time, 15 s) every phone's pages are counted by case, with the single node's
// strict equalities: each accepted incident paged to the primary once; each unanswered one to
// the backup and the team lead once; nothing after an acknowledgement; no page twice unless
// notify sent it again in doubt or Kannel reported it twice (listed); every crash point fired.
//
// PIKET_FAULT_SEED (printed), PIKET_FAULT_KILLS (scheduled kills, 140 by default: about five
// minutes here; a soak sets more).

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "../e2e/campaign_support.hpp"
#include "cluster_fixture.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/time_format.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/clock.hpp"
#include "piket/store/delivery.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/page.hpp"

namespace piket::failover {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;
using stack::Component;

// What can be killed. A service is killed in one of its two instances.
enum class Target {
  redis_primary,
  redis_replica,
  sentinel,
  ingest,
  dispatch,
  notify,
  inbound,
  cases,
  web,
  bearerbox,
  smsbox
};
constexpr Target kTargets[] = {Target::redis_primary, Target::redis_replica, Target::sentinel,
                               Target::ingest,        Target::dispatch,      Target::notify,
                               Target::inbound,       Target::cases,         Target::web,
                               Target::bearerbox,     Target::smsbox};
constexpr const char* kTargetNames[] = {"redis-primary", "redis-replica", "sentinel", "ingest",
                                        "dispatch",      "notify",        "inbound",  "cases",
                                        "web",           "bearerbox",     "smsbox"};
std::string name_of(Target t) {
  return kTargetNames[static_cast<int>(t)];
}
bool is_redis_node(Target t) {
  return t == Target::redis_primary || t == Target::redis_replica;
}
bool is_service(Target t) {
  return t >= Target::ingest && t <= Target::web;
}
Component component_of(Target t) {
  constexpr Component services[] = {Component::ingest,  Component::dispatch, Component::notify,
                                    Component::inbound, Component::cases,    Component::web};
  return services[static_cast<int>(t) - static_cast<int>(Target::ingest)];
}

stack::StackSpec cluster_campaign_spec() {
  auto spec = e2e::campaign_spec();
  spec.min_replicas = 1;
  spec.replica_wait_ms = 1000;
  // piket-cases' clocks run out in the run, as on the single node: every case's first contact
  // and plan steps fall due in the rounds' jumps and the jumps after them.
  spec.extra_toml += e2e::kCampaignDeadlines;
  return spec;
}

stack::ClusterOptions cluster_campaign_options() {
  stack::ClusterOptions options;
  // As the failover test: 500 ms made needless second failovers on this loaded machine.
  options.down_after = 2000ms;
  options.failover_timeout = 2000ms;
  return options;
}

// One component down: what, and which node, sentinel or instance.
struct Down {
  Target target;
  int index = 0;
  bool until_failover = false;  // a primary kept down until a replica is promoted
};

class ClusterCampaign : public ::testing::Test {
 protected:
  ClusterCampaign() : c_(cluster_campaign_spec(), cluster_campaign_options()) {
    const auto who = e2e::on_call_now({"127.0.0.1", cluster().http_port(Component::dispatch, 1)});
    primary_ = who.primary;
    backup_ = who.backup;
  }

  stack::ClusterStack& cluster() { return c_.cluster(); }
  std::filesystem::path log_dir() const { return c_.spec().log_dir; }
  std::string phone(const std::string& person) {
    return c_.cluster().config().person(person)->phone;
  }
  // Pages at fakesmsc by phone, then by case code: the incidents' pages, and in `deadline`
  // piket-cases' deadline pages.
  e2e::PagesByPhone pages_by_phone(e2e::PagesByPhone* deadline = nullptr) const {
    e2e::PagesByPhone ignored;
    return e2e::pages_by_phone(c_.delivered(), deadline ? deadline : &ignored);
  }

  // ---- the work (the rounds' thread) ----

  // Posts one incident until it gets a 2xx, to the two ingest instances in turn; its case
  // code, or "" after 120 s.
  std::string post(const std::string& ref) {
    const std::string body =
        R"({"reference":")" + ref +
        R"(","kind":"code_red","region":"groningen","reported_at":"2026-11-22T07:50:00+01:00","household":"hh-cluster-fault-)" +
        ref + R"(","summary":"synthetic"})";
    return e2e::post_until_accepted(
        [&] {
          return c_.partner_client(1 + posts_++ % 2, c_.spec().police_token)
              ->post("/v1/incidents", "application/json", body);
        },
        refused_posts_);
  }

  // Acknowledges the primary's page of `case_id` by SMS, again if it did not land (Kannel or
  // inbound may be down when it is sent).
  bool acknowledge(const std::string& case_id) {
    return record_.acknowledge_by_sms(case_id, primary_, [&](const std::string& code) {
      std::lock_guard lock(stack_mutex_);
      cluster().inject_sms(phone(primary_), "4411", code);
    });
  }

  // Moves the shared simulated clock on, through either ingest instance: to an absolute time
  // (`set`), so that a retry after an answer lost in a kill moves it no further.
  void advance(std::chrono::seconds by) {
    clock_target_ += by;
    set_clock();
    wait_clock_followed(clock_target_);
  }
  void set_clock() {
    const auto body = R"({"set":")" + common::format_rfc3339(clock_target_) + "\"}";
    const auto give_up = Steady::now() + 120s;
    for (int attempt = 0; Steady::now() < give_up; ++attempt) {
      try {
        const auto r = c_.partner_client(1 + attempt % 2, c_.spec().admin_token)
                           ->post("/v1/admin/clock", "application/json", body);
        if (r.status == 200) return;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(200ms);
    }
    ADD_FAILURE() << "the clock could not be set for 120 s";
  }
  // The clock's move is one write the primary does not wait for a replica for (a test's or
  // demo's clock, common/shared_clock.hpp): a failover right after it may undo it, and an
  // instance started then follows the older time. Sets it again if so; counted.
  void keep_clock() {
    const auto ms = record_.with_redis([](common::RedisConnection& r) {
      const auto v = r.command({"GET", std::string(store::kClockSimulatedMs)});
      return v.is_nil() ? std::int64_t{0} : std::stoll(v.str);
    });
    if (ms >= common::to_epoch_ms(clock_target_)) return;
    ++clock_moves_undone_;
    std::cout << "[ clock ] the simulated clock is back at " << ms << " after a kill; set again"
              << std::endl;
    set_clock();
  }

  // Until every running instance follows the clock at `now` (an ingest instance behind it
  // would date an incident before the jump, and its steps would fall due at once); an
  // instance that is down follows when it starts. Gives up after 30 s: what follows checks.
  void wait_clock_followed(common::Instant now) {
    const auto give_up = Steady::now() + 30s;
    while (Steady::now() < give_up) {
      try {
        std::lock_guard lock(stack_mutex_);
        if (cluster().wait_clock_followed(now, 0ms)) return;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(5ms);
    }
    ++clock_waits_given_up_;
  }

  // Until every case of `cases` has a page at `person`'s phone (or Kannel reported it sent:
  // fakesmsc, restarted with bearerbox, may have lost it); the cases still without one. Every
  // two seconds the clock is set again if a failover undid it.
  std::vector<std::string> wait_paged(const std::string& person,
                                      const std::vector<std::string>& cases,
                                      std::chrono::milliseconds* took) {
    int polls = 0;
    return record_.wait_paged([&] { return pages_by_phone(); }, person, phone(person), cases, 120s,
                              took, network_lost_, /*with_kannel=*/true,
                              [&] {
                                if (++polls % 20 == 0) keep_clock();
                              });
  }

  // What Redis holds of the cases a round waited for in vain (for a failure's message): the
  // clock, each case's incident (status, escalation step and due time) and its timer.
  std::string state_of(const std::vector<std::string>& cases) {
    std::ostringstream out;
    record_.with_redis([&](common::RedisConnection& r) {
      out << "clock " << r.command({"GET", std::string(store::kClockSimulatedMs)}).str << " ("
          << clock_waits_given_up_ << " moves not followed by every instance in 30 s)";
      for (const auto& c : cases) {
        const auto ids = r.command({"LRANGE", store::case_incidents_key(c), "0", "-1"});
        for (const auto& id : ids.elements) {
          const auto f = r.command({"HMGET", store::incident_key(id.str), "status", "accepted_at",
                                    "esc_state", "esc_at", "esc_due"});
          out << "; case " << c << " incident " << id.str << ":";
          for (const auto& v : f.elements) out << " " << (v.is_nil() ? "-" : v.str);
          const auto due = r.command({"ZSCORE", std::string(store::kEscalationsDue), id.str});
          out << " timer " << (due.is_nil() ? "none" : due.str);
          for (const auto& page :
               r.command({"SMEMBERS", store::incident_pages_key(id.str)}).elements) {
            const auto pf = r.command({"HMGET", store::page_key(page.str), "person", "status"});
            const auto dlr = r.command({"SMEMBERS", store::page_dlr_types_key(page.str)});
            out << "; page " << page.str << " to " << pf.elements[0].str << " "
                << pf.elements[1].str << " reports";
            for (const auto& t : dlr.elements) out << " " << t.str;
          }
        }
      }
      return 0;
    });
    return out.str();
  }

  // Rounds of 8 incidents until the schedule is done, at least 3 rounds ran and every crash
  // point fired (at most 25 rounds). "" or what went wrong.
  std::string run_rounds() {
    constexpr int kPerRound = 8;
    const auto fault_log = log_dir() / "faults.log";
    while ((!kills_done_ || rounds_ < 3 || !e2e::every_point_fired(fault_log)) && rounds_ < 25) {
      const auto round = "round " + std::to_string(rounds_);
      std::cout << "[ round ] " << rounds_ << " at "
                << std::chrono::duration_cast<std::chrono::seconds>(Steady::now() - began_).count()
                << " s, " << scheduled_kills_ << " kills so far" << std::endl;
      std::vector<std::string> cases;
      last_posted_ = clock_target_;
      for (int k = 0; k < kPerRound; ++k) {
        const auto c = post("CR" + std::to_string(rounds_) + "-" + std::to_string(k));
        if (c.empty()) return round + ": an incident was not accepted in 120 s of retrying";
        cases.push_back(c);
      }
      std::chrono::milliseconds took{0};
      if (const auto m = wait_paged(primary_, cases, &took); !m.empty())
        return round + ": accepted incidents not paged to the primary: " + state_of(m);
      longest_primary_ = std::max(longest_primary_, took);
      const std::vector<std::string> yes(cases.begin(), cases.begin() + kPerRound / 2);
      const std::vector<std::string> no(cases.begin() + kPerRound / 2, cases.end());
      for (const auto& c : yes)
        if (!acknowledge(c)) return round + ": the acknowledgement of " + c + " never landed";
      advance(5min + 1s);
      if (const auto m = wait_paged(backup_, no, &took); !m.empty())
        return round + ": the backup step not taken: " + state_of(m);
      longest_step_ = std::max(longest_step_, took);
      advance(5min);
      if (const auto m = wait_paged("tl-g", no, &took); !m.empty())
        return round + ": the team lead step not taken: " + state_of(m);
      longest_step_ = std::max(longest_step_, took);
      advance(10min);
      std::lock_guard lock(result_mutex_);
      acked_.insert(acked_.end(), yes.begin(), yes.end());
      unacked_.insert(unacked_.end(), no.begin(), no.end());
      ++rounds_;
    }
    // The last rounds' plans (two hours) run out in further jumps, still under fire: 20
    // minutes at a time, each taken by piket-cases before the next.
    while (clock_target_ <= last_posted_ + e2e::kLastStep) {
      advance(20min);
      record_.wait_cases_caught_up();
    }
    return "";
  }

  // ---- the chaos (the test's thread) ----

  // Starts a service instance (again), up to 50 tries: a start fails while Redis fails over
  // or when a crash point fires during start-up.
  void start_with_retries(Component c, int n) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      try {
        std::lock_guard lock(stack_mutex_);
        cluster().start(c, n);
        return;
      } catch (const std::exception&) {
        ++start_failures_;
        std::this_thread::sleep_for(200ms);
      }
    }
    ADD_FAILURE() << stack::to_string(c) << " " << n << " did not start in 50 tries";
  }

  void settle_redis() {
    try {
      cluster().redis().wait_until_settled(60s);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "Redis did not settle after a kill: " << e.what();
    }
  }

  // Whatever is dead (a crash point, or the chaos's own kill) is started again.
  void revive(bool count) {
    auto& redis = cluster().redis();
    for (int i = 0; i < launch::SentinelCluster::kNodes; ++i)
      if (!redis.node_running(i)) {
        redis.start_node(i);
        settle_redis();
      }
    for (int i = 0; i < launch::SentinelCluster::kSentinels; ++i)
      if (!redis.sentinel_running(i)) {
        redis.start_sentinel(i);
        settle_redis();
      }
    bool kannel_down = false;
    {
      std::lock_guard lock(stack_mutex_);
      kannel_down = !cluster().running(Component::kannel);
    }
    if (kannel_down) start_with_retries(Component::kannel, 1);
    for (auto c : cluster().services())
      for (int n = 1; n <= cluster().instances(); ++n) {
        bool dead = false;
        {
          std::lock_guard lock(stack_mutex_);
          dead = !cluster().running(c, n);
        }
        if (dead) {
          start_with_retries(c, n);
          if (count) ++restarts_[std::string(stack::to_string(c)) + "-" + std::to_string(n)];
        }
      }
  }

  // Kills `t`; a service in one of its instances at random, or in the one that is not
  // `other_instance` (the service wholly down).
  Down kill(Target t, std::mt19937_64& rng, int other_instance = 0) {
    auto& redis = cluster().redis();
    Down d{t};
    switch (t) {
      case Target::redis_primary:
        d.index = redis.primary_index();
        d.until_failover = rng() % 2 == 0;
        redis.kill9_node(d.index);
        break;
      case Target::redis_replica: {
        const int primary = redis.primary_index();
        d.index = (primary + 1 + static_cast<int>(rng() % 2)) % launch::SentinelCluster::kNodes;
        redis.kill9_node(d.index);
        break;
      }
      case Target::sentinel:
        d.index = static_cast<int>(rng() % launch::SentinelCluster::kSentinels);
        redis.kill9_sentinel(d.index);
        break;
      case Target::bearerbox:
      case Target::smsbox: {
        std::lock_guard lock(stack_mutex_);
        // The fakesmsc running when bearerbox dies (kannel_store_resend.hpp).
        if (t == Target::bearerbox)
          bearerbox_killed_.insert(e2e::last_fakesmsc_pid(e2e::read_all(cluster().fakesmsc_log())));
        cluster().kill9(t == Target::bearerbox ? stack::KannelBox::bearerbox
                                               : stack::KannelBox::smsbox);
        break;
      }
      default: {
        d.index = other_instance ? 3 - other_instance : 1 + static_cast<int>(rng() % 2);
        std::lock_guard lock(stack_mutex_);
        cluster().kill9(component_of(t), d.index);
        ++instance_kills_[name_of(t) + "-" + std::to_string(d.index)];
      }
    }
    ++kills_[name_of(t)];
    ++scheduled_kills_;
    chaos_log_ << common::format_rfc3339(transport_clock_.now()) << " kill " << name_of(t) << " "
               << d.index << std::endl;
    return d;
  }

  // A primary kept down until the failover comes back as a replica; anything else is
  // brought back by revive().
  void wait_for_failover(const Down& d) {
    if (d.target != Target::redis_primary || !d.until_failover) return;
    try {
      cluster().redis().wait_for_failover(d.index, 90s);
      ++failovers_;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "no failover after the primary was killed: " << e.what();
    }
  }

  void run_chaos(unsigned long long seed, int kills) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> pause_ms(150, 900), down_ms(50, 1200);
    // The primary twice as often as anything else: its kill is the one that fails over.
    std::discrete_distribution<std::size_t> pick({2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1});
    std::uniform_real_distribution<double> chance(0, 1);
    for (int k = 0; k < kills && !rounds_over_; ++k) {
      const auto until = Steady::now() + std::chrono::milliseconds(pause_ms(rng));
      while (Steady::now() < until) {
        revive(true);
        std::this_thread::sleep_for(50ms);
      }
      std::vector<Down> down{kill(kTargets[pick(rng)], rng)};
      if (chance(rng) < 0.25) {
        const auto second = kTargets[pick(rng)];
        const auto first = down[0].target;
        const bool allowed = !(is_redis_node(first) && is_redis_node(second)) &&
                             !(first == second && !is_service(first));
        if (allowed) {
          down.push_back(kill(second, rng, first == second ? down[0].index : 0));
          ++overlapping_;
          ++k;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(down_ms(rng)));
      for (const auto& d : down) wait_for_failover(d);
      revive(false);
    }
    kills_done_ = true;
    // The schedule is done; the crash points are not: keep starting what dies.
    while (!rounds_over_) {
      revive(true);
      std::this_thread::sleep_for(50ms);
    }
  }

  failover::Cluster c_;
  // Redis as ops through the sentinels (the primary now), tolerating a failover.
  const e2e::CampaignRecord record_{
      [this] { return common::RedisConnection(c_.cluster().config().redis); }};
  // The chaos's kills at the transport clock's time (the services' logs'), to read beside them.
  const common::SystemClock transport_clock_;
  std::ofstream chaos_log_{c_.spec().log_dir + "/chaos.log"};
  std::string primary_, backup_;
  std::mutex
      stack_mutex_;  // the processes: the chaos's kills and starts; the rounds' SMS and clock
  std::mutex result_mutex_;
  Steady::time_point began_ = Steady::now();

  // The chaos's record (the test's thread).
  std::map<std::string, int> kills_, instance_kills_, restarts_;
  std::set<std::string> bearerbox_killed_;  // the fakesmsc pids running when bearerbox was killed
  int overlapping_ = 0, failovers_ = 0, start_failures_ = 0;
  std::atomic<int> scheduled_kills_{0};
  std::atomic<bool> kills_done_{false};
  std::atomic<bool> rounds_over_{false};

  // The rounds' record.
  std::atomic<int> rounds_{0};
  std::atomic<int> refused_posts_{0};
  int posts_ = 0;
  int clock_waits_given_up_ = 0;
  int clock_moves_undone_ = 0;
  common::Instant clock_target_ = *common::parse_rfc3339(
      c_.spec().simulated_start);  // attempts, to the ingest instances in turn
  std::vector<std::string> acked_, unacked_;
  std::set<std::string> network_lost_;  // "case person": Kannel reported it sent, not at fakesmsc
  std::chrono::milliseconds longest_primary_{0}, longest_step_{0};
  common::Instant last_posted_{};  // the clock when the last round posted
};

TEST_F(ClusterCampaign, KillsOfEveryNodeAndInstanceLoseNoIncidentAndTakeNoStepTwice) {
  const auto seed = e2e::env_number("PIKET_FAULT_SEED", 20261219);
  const auto kills = static_cast<int>(e2e::env_number("PIKET_FAULT_KILLS", 140));
  std::cout << "[ campaign ] cluster, seed " << seed << " (PIKET_FAULT_SEED), " << kills
            << " scheduled kills (PIKET_FAULT_KILLS)" << std::endl;
  ASSERT_NE(primary_, backup_);
  const auto fault_log = log_dir() / "faults.log";
  std::filesystem::remove(fault_log);
  ::setenv("PIKET_FAULT_POINTS", e2e::kFaultPoints, 1);
  ::setenv("PIKET_FAULT_SEED", std::to_string(seed).c_str(), 1);
  ::setenv("PIKET_FAULT_LOG", fault_log.c_str(), 1);

  // Every instance restarted with the crash points on.
  for (auto c : cluster().services())
    for (int n = 1; n <= cluster().instances(); ++n) start_with_retries(c, n);

  began_ = Steady::now();
  std::string rounds_failed;
  std::thread work([&] {
    try {
      rounds_failed = run_rounds();
    } catch (const std::exception& e) {
      rounds_failed = std::string("the rounds stopped: ") + e.what();
    }
    rounds_over_ = true;
  });
  try {
    run_chaos(seed, kills);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "the chaos stopped: " << e.what();
    rounds_over_ = true;
  }
  work.join();
  const auto campaign_s =
      std::chrono::duration_cast<std::chrono::seconds>(Steady::now() - began_).count();
  ASSERT_EQ(rounds_failed, "");

  // Calm: no crash points; whatever is down is started, every service instance restarted
  // gracefully; the clock moves on; anything late (a resend, an in-doubt send) shows.
  ::unsetenv("PIKET_FAULT_POINTS");
  revive(false);
  for (auto c : cluster().services())
    for (int n = 1; n <= cluster().instances(); ++n) start_with_retries(c, n);
  settle_redis();
  for (int k = 0; k < 3; ++k) advance(1min);
  std::this_thread::sleep_for(15s);

  // The pages notify sent again in doubt or after no answer from the gateway and those Kannel
  // reported twice, by case (every instance's log); the SMS Kannel sent again from its store
  // after bearerbox was killed, when piket sent them once.
  const auto logs_of = [&](const std::string& service) {
    std::string all;
    for (int n = 1; n <= cluster().instances(); ++n)
      all += e2e::read_all(log_dir() / (service + "-" + std::to_string(n)) / (service + ".log"));
    return all;
  };
  auto why = e2e::explain_twice(
      record_, {logs_of("notify"), logs_of("inbound"), e2e::read_all(cluster().fakesmsc_log())},
      bearerbox_killed_, {primary_, backup_, "tl-g"},
      [&](const std::string& p) { return phone(p); });
  why.network_lost = network_lost_;
  e2e::PagesByPhone deadline_pages;
  e2e::PageTally tally(
      pages_by_phone(&deadline_pages), [&](const std::string& p) { return phone(p); },
      {primary_, backup_, "tl-g"}, acked_, unacked_, why);

  // piket-cases, by the record: each case took exactly its first contact's and plan's steps,
  // once each, and each such page reached its phone once (explained if twice) — the single
  // node's check.
  EXPECT_TRUE(record_.cases_caught_up()) << "piket-cases left due steps untaken";
  e2e::DeadlineTally deadlines;
  for (const auto* group : {&acked_, &unacked_})
    for (const auto& c : *group) deadlines.add(record_, c, record_.case_record(c), e2e::kCaseSteps);
  deadlines.check_phones(tally, deadline_pages, why.store_resent_deadline,
                         [&](const std::string& p) { return phone(p); });

  // Each step taken once: the page records in Redis, by case and person (a page sent twice
  // is one record; a step taken twice would be two).
  std::map<std::pair<std::string, std::string>, int> records;
  for (const auto& person : {primary_, backup_, std::string("tl-g")})
    for (const auto& p : record_.pages_to(person))
      if (!p.deadline()) ++records[{p.case_id, person}];
  int steps_wrong = 0;
  const auto expect_records = [&](const std::vector<std::string>& cases, int backup_and_lead) {
    for (const auto& c : cases)
      for (const auto& [person, want] :
           {std::pair{primary_, 1}, std::pair{backup_, backup_and_lead},
            std::pair{std::string("tl-g"), backup_and_lead}})
        if (const int got = records[{c, person}]; got != want) {
          ++steps_wrong;
          ADD_FAILURE() << "case " << c << ": " << got << " pages to " << person
                        << " in Redis, want " << want;
        }
  };
  expect_records(acked_, 0);
  expect_records(unacked_, 1);

  const auto fired = e2e::fired_points(fault_log);
  for (const auto* p : e2e::kPointNames)
    EXPECT_GT(fired.count(p) ? fired.at(p) : 0, 0) << "crash point " << p << " never fired";
  int points = 0, restarted = 0;
  std::cout << "[ campaign ] kills by component:";
  for (const auto& [c, n] : kills_) std::cout << " " << c << "=" << n;
  std::cout << "\n[ campaign ] service kills by instance:";
  for (const auto& [c, n] : instance_kills_) std::cout << " " << c << "=" << n;
  std::cout << "\n[ campaign ] crash points fired:";
  for (const auto& [p, n] : fired) {
    std::cout << " " << p << "=" << n;
    points += n;
  }
  std::cout << "\n[ campaign ] found dead and restarted:";
  for (const auto& [c, n] : restarts_) {
    std::cout << " " << c << "=" << n;
    restarted += n;
  }
  std::cout << "\n[ campaign ] seed " << seed << ": " << scheduled_kills_ << " scheduled kills ("
            << overlapping_ << " overlapping pairs, " << failovers_
            << " primaries kept down until a failover) + " << points
            << " crash points = " << scheduled_kills_ + points << " kills in " << campaign_s
            << " s; " << restarted << " found dead; " << start_failures_ << " starts tried again\n"
            << "[ campaign ] " << rounds_ << " rounds, " << acked_.size() + unacked_.size()
            << " incidents accepted, " << refused_posts_ << " posts refused or unanswered, "
            << tally.lost << " lost, " << tally.twice << " pages twice (" << tally.explained
            << " explained, of which " << tally.from_store
            << " sent again by Kannel from its store after its restart; " << tally.unexplained
            << " unexplained), " << tally.network
            << " lost by the phone network after Kannel sent them, " << tally.after_ack
            << " steps after an acknowledgement, " << steps_wrong
            << " steps taken twice or not at all (page records); piket-cases: " << deadlines.steps
            << " deadline steps taken (of " << deadlines.wanted << "; " << deadlines.paged
            << " paged), " << deadlines.twice << " taken twice;";
  for (const auto& [kind, n] : deadlines.by_kind) std::cout << " " << kind << "=" << n;
  std::cout << "; " << clock_waits_given_up_
            << " clock moves not followed by every instance in 30 s, " << clock_moves_undone_
            << " undone by a failover\n"
            << "[ campaign ] longest wait: post to primary page " << longest_primary_.count()
            << " ms; clock jump to escalation page " << longest_step_.count() << " ms" << std::endl;
  EXPECT_GE(scheduled_kills_.load(), kills);
  EXPECT_EQ(tally.lost, 0);
  EXPECT_EQ(tally.unexplained, 0);
  EXPECT_EQ(tally.after_ack, 0);
  EXPECT_EQ(steps_wrong, 0);
  EXPECT_EQ(deadlines.twice, 0);
  EXPECT_EQ(deadlines.steps, deadlines.wanted);
}

}  // namespace
}  // namespace piket::failover
