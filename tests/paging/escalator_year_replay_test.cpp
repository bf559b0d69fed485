// Issue 13: two instances of paging's Escalator over a replayed year, against
// a private redis-server (label `redis`). A year of incidents — some arriving
// together, so that several escalation timers fall due at the same instant —
// is dispatched by piket-dispatch's Dispatcher and answered through inbound's
// own script (paging::answer_page): most acknowledged by the primary and met
// by a first contact, some by the backup or the team lead, some declined
// (the decline's escalation message reaches both instances at once), some
// acknowledged with nobody going out (the forgotten re-page), one in ten
// never answered (the whole policy walked). Two Escalators, each with its
// own connection pool, run on their own threads and are let loose together
// on every due moment. The pages of every incident must be exactly those of
// the same replay with one Escalator, and what the policy gives for the
// answer patterns with a known outcome; each page once, none dropped.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <barrier>
#include <boost/json.hpp>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "piket/common/messaging.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/common/time_format.hpp"
#include "piket/config/config.hpp"
#include "piket/dispatch/dispatcher.hpp"
#include "piket/paging/escalator.hpp"
#include "piket/paging/page_answer.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/page.hpp"
#include "private_redis.hpp"

namespace piket::paging {
namespace {

using namespace std::chrono_literals;
using common::Instant;

const Instant kYear = common::from_epoch_ms(1798761600000);  // 2027-01-01T00:00Z
const Instant kTransportStart = common::from_epoch_ms(1924992000000);

// primary: anna, then bert; backup: carl; team lead: tina (the rota's
// select_step has its own tests).
class TableSelector final : public rota::CasemanagerSelector {
 public:
  std::map<EscalationTarget, std::vector<std::string>> people{
      {EscalationTarget::primary, {"anna", "bert"}},
      {EscalationTarget::backup, {"carl"}},
      {EscalationTarget::team_lead, {"tina"}}};

  std::vector<std::string> candidates(const rota::SelectionRequest&) const override { return {}; }
  std::optional<rota::Selection> select(const rota::SelectionRequest& r,
                                        const rota::CaseloadView& c) const override {
    return select_step(EscalationTarget::primary, r, {}, c);
  }
  std::optional<rota::Selection> select_step(EscalationTarget target, const rota::SelectionRequest&,
                                             const std::vector<std::string>& exclude,
                                             const rota::CaseloadView&) const override {
    for (const auto& p : people.at(target))
      if (std::find(exclude.begin(), exclude.end(), p) == exclude.end()) {
        const auto rule = target == EscalationTarget::primary  ? rota::SelectionRule::on_call
                          : target == EscalationTarget::backup ? rota::SelectionRule::backup
                                                               : rota::SelectionRule::team_lead;
        return rota::Selection{p, rule, std::nullopt};
      }
    return std::nullopt;
  }
};

rota::PersonConfig person(std::string id, std::string phone, rota::StaffRole role) {
  rota::PersonConfig p;
  p.id = std::move(id);
  p.display_name = "Display " + p.id;
  p.role = role;
  p.phone = std::move(phone);
  p.regions = {"groningen"};
  return p;
}

// Primary, backup and team lead 5, 5 and 10 minutes; one repeat; an
// acknowledged incident without first contact after 60 minutes is paged
// again once.
config::Config make_config(const common::RedisConfig& redis) {
  config::Config c;
  c.redis = redis;
  c.regions = {{"groningen", "Groningen"}};
  c.people = {person("anna", "+31600000001", rota::StaffRole::casemanager),
              person("bert", "+31600000002", rota::StaffRole::casemanager),
              person("carl", "+31600000003", rota::StaffRole::casemanager),
              person("tina", "+31600000009", rota::StaffRole::team_lead)};
  paging::EscalationConfig esc;
  esc.defaults.steps = {{EscalationTarget::primary, 5min},
                        {EscalationTarget::backup, 5min},
                        {EscalationTarget::team_lead, 10min}};
  esc.defaults.repeat = 1;
  esc.defaults.forgotten = 60min;
  esc.defaults.forgotten_repages = 1;
  c.escalation = esc;
  return c;
}

// How an incident's pages are answered.
enum class Fate {
  primary_acknowledges,     // within the primary's five minutes; first contact follows
  backup_acknowledges,      // after the backup's page; first contact follows
  team_lead_acknowledges,   // after the team lead's page; first contact follows
  primary_declines,         // the backup is paged at once and acknowledges
  acknowledged_no_contact,  // the primary acknowledges and nobody goes out
  nobody_answers,           // the whole policy, both rounds
};

// What happens at a moment of the replay.
struct Happening {
  enum class Kind { dispatch, acknowledge, decline, contact } kind = Kind::dispatch;
  Instant at;
  int incident = 0;
  std::string person;    // who answers
  std::string position;  // the step of the page answered
};

struct Year {
  std::vector<Fate> fates;
  std::vector<Happening> happenings;  // by time (stable)
  std::size_t groups = 0;             // instants at which several incidents arrive
};

Year make_year(int incidents, std::uint64_t seed) {
  Year y;
  std::mt19937_64 rng(seed);
  auto ms = [&](double lo, double hi) {
    return common::Millis{
        static_cast<long long>(std::uniform_real_distribution<double>(lo, hi)(rng))};
  };
  for (int i = 0; i < incidents;) {
    // Incidents arrive alone or in groups of up to four at the same instant
    // (a family's incidents reported together), so that their escalation
    // timers fall due together.
    const int group = std::uniform_int_distribution<int>(1, 4)(rng) == 1
                          ? std::uniform_int_distribution<int>(2, 4)(rng)
                          : 1;
    y.groups += group > 1;
    const Instant t = kYear + ms(0, 364.0 * 24 * 3600 * 1000);
    for (int g = 0; g < group && i < incidents; ++g, ++i) {
      const double f = std::uniform_real_distribution<double>(0, 1)(rng);
      const Fate fate = f < 0.55   ? Fate::primary_acknowledges
                        : f < 0.67 ? Fate::backup_acknowledges
                        : f < 0.72 ? Fate::team_lead_acknowledges
                        : f < 0.80 ? Fate::primary_declines
                        : f < 0.90 ? Fate::acknowledged_no_contact
                                   : Fate::nobody_answers;
      y.fates.push_back(fate);
      y.happenings.push_back({Happening::Kind::dispatch, t, i, {}, {}});
      auto answer = [&](Happening::Kind kind, Instant when, std::string who, std::string pos) {
        y.happenings.push_back({kind, when, i, std::move(who), std::move(pos)});
      };
      auto contact = [&](Instant after) {
        answer(Happening::Kind::contact, after + ms(10 * 60000, 50 * 60000), {}, {});
      };
      // Answers fall strictly between the policy's steps (whole minutes after
      // the dispatch): a minute at least after a page, a second at least before the next.
      switch (fate) {
        case Fate::primary_acknowledges: {
          const auto a = t + ms(60000, 299000);
          answer(Happening::Kind::acknowledge, a, "anna", "0.0");
          contact(a);
          break;
        }
        case Fate::backup_acknowledges: {
          const auto a = t + 5min + ms(60000, 299000);
          answer(Happening::Kind::acknowledge, a, "carl", "0.1");
          contact(a);
          break;
        }
        case Fate::team_lead_acknowledges: {
          const auto a = t + 10min + ms(60000, 599000);
          answer(Happening::Kind::acknowledge, a, "tina", "0.2");
          contact(a);
          break;
        }
        case Fate::primary_declines: {
          const auto d = t + ms(30000, 239000);
          answer(Happening::Kind::decline, d, "anna", "0.0");
          const auto a = d + ms(1000, 59000);
          answer(Happening::Kind::acknowledge, a, "carl", "0.1");
          contact(a);
          break;
        }
        case Fate::acknowledged_no_contact:
          answer(Happening::Kind::acknowledge, t + ms(60000, 299000), "anna", "0.0");
          break;
        case Fate::nobody_answers:
          break;
      }
    }
  }
  std::stable_sort(y.happenings.begin(), y.happenings.end(),
                   [](const Happening& a, const Happening& b) { return a.at < b.at; });
  return y;
}

// The value of a labelled sample in a text exposition.
double metric(common::Metrics& m, const std::string& name, const std::string& label) {
  std::istringstream in(m.render());
  for (std::string line; std::getline(in, line);)
    if (line.rfind(name + "{", 0) == 0 && line.find(label) != std::string::npos)
      return std::stod(line.substr(line.rfind(' ') + 1));
  return 0;
}

class EscalatorYearReplay : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new piket::test::PrivateRedis("piket-escalator-year"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }

  struct Result {
    // Per incident (by its index in the year): its pages in the order they
    // were created, "person@position:rule", and where its escalation ended.
    std::vector<std::vector<std::string>> pages;
    std::vector<std::string> end_state;
    std::size_t pages_in_redis = 0, woken = 0, woken_distinct = 0;
    std::array<double, 2> paged_by{};  // escalation pages (and re-pages) each instance created
    double stale = 0;                  // steps one instance found already taken by the other
    std::size_t moments = 0, shared_moments = 0, left_due = 0;
    std::chrono::steady_clock::duration wall{};
  };

  Result replay(const Year& year, int instances);

  static piket::test::PrivateRedis* redis_;
};

piket::test::PrivateRedis* EscalatorYearReplay::redis_ = nullptr;

EscalatorYearReplay::Result EscalatorYearReplay::replay(const Year& year, int instances) {
  Result res;
  const auto wall_start = std::chrono::steady_clock::now();  // a stopwatch, not domain time
  // One log line per page (and an error per exhausted escalation) would dominate the run.
  spdlog::set_level(spdlog::level::critical);
  common::RedisConnection conn(redis_->config());
  conn.command({"FLUSHALL"});
  conn.command({"CONFIG", "SET", "appendonly", "no"});  // a replay can be run again
  const auto config = make_config(redis_->config_as("dispatch"));
  TableSelector selector;
  common::SimulatedClock domain(kYear);
  common::SimulatedClock transport(kTransportStart);
  std::mutex mutex;
  std::vector<std::string> woken;
  auto record = [&](const std::string& id, const std::string&) {
    std::lock_guard lock(mutex);
    woken.push_back(id);
  };
  common::Metrics dispatch_metrics("dispatch");
  dispatch::Dispatcher dispatcher(config, config, config.escalation, config.reply_code_window(),
                                  domain, transport, selector, dispatch_metrics, record);
  // Each instance: its own pool of connections and its own metrics.
  const bool two = instances == 2;
  std::vector<std::unique_ptr<common::RedisPool>> pools;
  std::vector<std::unique_ptr<common::Metrics>> metrics;
  std::vector<std::unique_ptr<Escalator>> escalators;
  for (int n = 0; n < instances; ++n) {
    pools.push_back(std::make_unique<common::RedisPool>(config.redis));
    metrics.push_back(std::make_unique<common::Metrics>("dispatch"));
    escalators.push_back(std::make_unique<Escalator>(
        config.escalation, config, config, config.reply_code_window(), domain, transport, selector,
        *pools.back(), *metrics.back(), record));
  }
  auto paged = [&](int n) {
    return metric(*metrics[static_cast<std::size_t>(n)], "piket_escalation_total",
                  "outcome=\"paged\"") +
           metric(*metrics[static_cast<std::size_t>(n)], "piket_escalation_total",
                  "outcome=\"repaged\"");
  };

  // Both instances at once: two threads started together by a barrier, each
  // doing `work(its escalator)`; the driver waits for both.
  std::barrier<> go(two ? 3 : 1), done(two ? 3 : 1);
  bool quit = false;
  std::function<void(Escalator&)> work;
  // Which thread drives which instance alternates with every moment, so that
  // neither instance is always the one whose thread happens to start first.
  std::size_t moment = 0;
  std::vector<std::string> thread_errors;
  std::vector<std::jthread> threads;
  if (two)
    for (int n = 0; n < 2; ++n)
      threads.emplace_back([&, n] {
        for (;;) {
          go.arrive_and_wait();
          if (quit) return;
          try {
            work(*escalators[(static_cast<std::size_t>(n) + moment) % 2]);
          } catch (const std::exception& e) {
            std::lock_guard lock(mutex);
            thread_errors.push_back(e.what());
          }
          done.arrive_and_wait();
        }
      });
  struct Release {  // whatever ends the replay lets the threads go
    std::barrier<>& go;
    bool& quit;
    bool two;
    ~Release() {
      if (two && !quit) {
        quit = true;
        go.arrive_and_wait();
      }
    }
  } release{go, quit, two};
  auto together = [&](std::function<void(Escalator&)> w) {
    if (!two) {
      w(*escalators[0]);
      return;
    }
    work = std::move(w);
    ++moment;
    go.arrive_and_wait();
    done.arrive_and_wait();
  };

  // The incidents, as ingest leaves them (a new case each).
  std::vector<std::string> ids(year.fates.size());
  auto accept = [&](int i) {
    char id[32], case_id[16];
    std::snprintf(id, sizeof id, "I%015dA", i + 1);
    std::snprintf(case_id, sizeof case_id, "C%07dZ", i + 1);
    const auto at = std::to_string(common::to_epoch_ms(domain.now()));
    conn.command({"HSET", store::case_key(case_id), "region", "groningen", "opened_at", at, "phase",
                  "registered", "state", "open"});
    conn.command({"HSET", store::incident_key(id), "kind", "home_ban", "region", "groningen",
                  "reported_at", at, "accepted_at", at, "case_id", case_id, "status", "accepted"});
    ids[static_cast<std::size_t>(i)] = id;
  };
  // The page of an incident sent to `who` at `position`.
  auto page_of = [&](int i, const std::string& who, const std::string& position) {
    for (const auto& p :
         conn.command({"SMEMBERS", store::incident_pages_key(ids[static_cast<std::size_t>(i)])})
             .elements) {
      const auto f = conn.command({"HMGET", store::page_key(p.str), "person", "esc_at"});
      if (f.elements.at(0).str == who && f.elements.at(1).str == position) return p.str;
    }
    return std::string();
  };
  auto answer = [&](const Happening& h, Answer a) {
    const auto page = page_of(h.incident, h.person, h.position);
    EXPECT_FALSE(page.empty()) << "incident " << h.incident << ": no page to " << h.person << " at "
                               << h.position;
    const auto out =
        answer_page(conn, {h.person, page, "", a, AnswerVia::api, "token " + h.person, ""},
                    domain.now(), transport.now(), 100);
    EXPECT_EQ(out.kind, a == Answer::acknowledge ? PageAnswerOutcome::Kind::acknowledged
                                                 : PageAnswerOutcome::Kind::declined)
        << "incident " << h.incident << " " << h.person << "@" << h.position;
  };
  // The escalation messages inbound queued (a decline): every instance gets
  // each of them at once, as when the sender reaches both.
  auto deliver_messages = [&] {
    const auto keys = common::outbox_keys("escalation");
    for (const auto& id : conn.command({"ZRANGE", keys.due, "0", "-1"}).elements) {
      const auto payload = conn.command({"HGET", keys.data, id.str}).str;
      together([&](Escalator& e) { EXPECT_TRUE(e.handle_message("escalation", id.str, payload)); });
      conn.command({"ZREM", keys.due, id.str});
      conn.command({"HDEL", keys.data, id.str});
    }
  };
  auto next_timer = [&]() -> std::optional<Instant> {
    const auto r =
        conn.command({"ZRANGE", std::string(store::kEscalationsDue), "0", "0", "WITHSCORES"});
    if (r.elements.size() < 2) return std::nullopt;
    return common::from_epoch_ms(std::stoll(r.elements[1].str));
  };

  std::size_t next = 0;
  for (;;) {
    const auto timer = next_timer();
    const bool happening = next < year.happenings.size();
    if (!happening && !timer) break;
    if (timer && (!happening || *timer <= year.happenings[next].at)) {
      // A due moment: both instances take what is due (timers before the
      // happenings of the same instant).
      domain.set(*timer);
      ++res.moments;
      const double before0 = paged(0), before1 = two ? paged(1) : 0;
      together([](Escalator& e) { e.run_due(); });
      if (two && paged(0) > before0 && paged(1) > before1) ++res.shared_moments;
      if (const auto t = next_timer(); t && *t <= domain.now()) {
        ++res.left_due;  // nothing due is left behind by both
        ADD_FAILURE() << "a due timer was left behind at " << common::format_rfc3339(*t);
        break;
      }
      continue;
    }
    const auto& h = year.happenings[next++];
    domain.set(h.at);
    switch (h.kind) {
      case Happening::Kind::dispatch: {
        accept(h.incident);
        const auto d = dispatcher.dispatch(ids[static_cast<std::size_t>(h.incident)]);
        EXPECT_EQ(d.kind, dispatch::DispatchResult::Kind::dispatched) << h.incident;
        break;
      }
      case Happening::Kind::acknowledge:
        answer(h, Answer::acknowledge);
        break;
      case Happening::Kind::decline:
        answer(h, Answer::decline);
        deliver_messages();
        break;
      case Happening::Kind::contact: {
        const auto case_id =
            conn.command({"HGET", store::incident_key(ids[static_cast<std::size_t>(h.incident)]),
                          "case_id"})
                .str;
        conn.command({"HSET", store::case_key(case_id), "first_contact_at",
                      std::to_string(common::to_epoch_ms(h.at))});
        break;
      }
    }
  }
  if (two) {
    quit = true;
    go.arrive_and_wait();
  }
  threads.clear();  // joined
  EXPECT_TRUE(thread_errors.empty()) << thread_errors.front();

  // What was paged, per incident, in the order the pages were created.
  for (const auto& id : ids) {
    struct Row {
      long long created_at;
      std::string position, text;
    };
    std::vector<Row> rows;
    for (const auto& p : conn.command({"SMEMBERS", store::incident_pages_key(id)}).elements) {
      const auto f =
          conn.command({"HMGET", store::page_key(p.str), "person", "esc_at", "rule", "created_at"});
      rows.push_back(
          {std::stoll(f.elements.at(3).str), f.elements.at(1).str,
           f.elements.at(0).str + "@" + f.elements.at(1).str + ":" + f.elements.at(2).str});
    }
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
      return a.created_at != b.created_at ? a.created_at < b.created_at : a.position < b.position;
    });
    std::vector<std::string> pages;
    for (const auto& r : rows) pages.push_back(r.text);
    res.pages.push_back(std::move(pages));
    res.end_state.push_back(conn.command({"HGET", store::incident_key(id), "esc_state"}).str);
  }
  std::string cursor = "0";
  do {
    const auto s = conn.command({"SCAN", cursor, "MATCH", store::page_key("*"), "COUNT", "5000"});
    cursor = s.elements.at(0).str;
    for (const auto& k : s.elements.at(1).elements)
      res.pages_in_redis += k.str.size() == store::page_key("PAAAAAAAAAAAAAAAA").size();
  } while (cursor != "0");
  res.woken = woken.size();
  res.woken_distinct = std::set<std::string>(woken.begin(), woken.end()).size();
  for (int n = 0; n < instances; ++n) {
    res.paged_by[static_cast<std::size_t>(n)] = paged(n);
    res.stale += metric(*metrics[static_cast<std::size_t>(n)], "piket_escalation_total",
                        "outcome=\"stale\"");
  }
  res.wall = std::chrono::steady_clock::now() - wall_start;
  return res;
}

TEST_F(EscalatorYearReplay, TwoEscalatorsOnTheSameDueTimersPageEachStepOnceAsOneDoes) {
  // A busy region's year: 4,000 incidents (the year replay's 3,000 new
  // families and their later incidents).
  const auto year = make_year(4000, 20270401);
  const auto one = replay(year, 1);
  const auto two = replay(year, 2);

  ASSERT_EQ(one.pages.size(), year.fates.size());
  ASSERT_EQ(two.pages.size(), year.fates.size());
  std::map<Fate, int> per_fate;
  std::size_t total = 0;
  for (std::size_t i = 0; i < year.fates.size(); ++i) {
    ++per_fate[year.fates[i]];
    total += two.pages[i].size();
    // Exactly the pages one Escalator sends, in the same order.
    EXPECT_EQ(two.pages[i], one.pages[i]) << "incident " << i;
    EXPECT_EQ(two.end_state[i], one.end_state[i]) << "incident " << i;
    // Each page once: no position paged twice in the same way.
    auto sorted = two.pages[i];
    std::sort(sorted.begin(), sorted.end());
    EXPECT_TRUE(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end())
        << "incident " << i << ": a step paged twice";
    // What the policy gives (primary, backup and team lead 5, 5 and 10
    // minutes, one repeat; the re-page 60 minutes after an acknowledgement
    // without first contact).
    using V = std::vector<std::string>;
    const V walk{"anna@0.0:on_call", "carl@0.1:backup", "tina@0.2:team_lead",
                 "anna@1.0:on_call", "carl@1.1:backup", "tina@1.2:team_lead"};
    switch (year.fates[i]) {
      case Fate::primary_acknowledges:
        EXPECT_EQ(two.pages[i], V(walk.begin(), walk.begin() + 1)) << i;
        EXPECT_EQ(two.end_state[i], "stopped") << i;
        break;
      case Fate::backup_acknowledges:
      case Fate::primary_declines:
        EXPECT_EQ(two.pages[i], V(walk.begin(), walk.begin() + 2)) << i;
        EXPECT_EQ(two.end_state[i], "stopped") << i;
        break;
      case Fate::team_lead_acknowledges:
        EXPECT_EQ(two.pages[i], V(walk.begin(), walk.begin() + 3)) << i;
        EXPECT_EQ(two.end_state[i], "stopped") << i;
        break;
      case Fate::acknowledged_no_contact:
        ASSERT_GE(two.pages[i].size(), 2u) << i;
        EXPECT_EQ(two.pages[i][0], walk[0]) << i;
        EXPECT_EQ(two.pages[i][1], "anna@0.0:forgotten") << i;
        break;
      case Fate::nobody_answers:
        EXPECT_EQ(two.pages[i], walk) << i;
        EXPECT_EQ(two.end_state[i], "exhausted") << i;
        break;
    }
  }
  // Every page in Redis is one of these, and notify was woken once for each.
  EXPECT_EQ(two.pages_in_redis, total);
  EXPECT_EQ(one.pages_in_redis, total);
  EXPECT_EQ(two.woken, total);
  EXPECT_EQ(two.woken_distinct, total);
  EXPECT_EQ(two.left_due, 0u);
  // Both instances really worked, and met on the same steps.
  EXPECT_GT(two.paged_by[0], 0);
  EXPECT_GT(two.paged_by[1], 0);
  EXPECT_GT(two.stale, 0) << "the instances never met on the same step";
  for (const Fate f :
       {Fate::primary_acknowledges, Fate::backup_acknowledges, Fate::team_lead_acknowledges,
        Fate::primary_declines, Fate::acknowledged_no_contact, Fate::nobody_answers})
    EXPECT_GT(per_fate[f], 0);
  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::cout << "[ figures ] two Escalators over a year of " << year.fates.size() << " incidents ("
            << year.groups << " instants with several at once): " << total << " pages over "
            << two.moments << " due moments; escalation pages by the first "
            << static_cast<long long>(two.paged_by[0]) << ", by the second "
            << static_cast<long long>(two.paged_by[1]) << "; moments at which both paged "
            << two.shared_moments << "; steps found already taken by the other "
            << static_cast<long long>(two.stale) << "; duplicates 0, dropped 0; wall "
            << ms(two.wall) << " ms (one Escalator " << ms(one.wall) << " ms)\n";
}

}  // namespace
}  // namespace piket::paging
