// Two instances of dispatch's escalation timers on one real redis-server (label `redis`;
// docs/availability.md, "Two instances of every service"). Each Escalator has its own pool of
// connections as Redis user "dispatch"; they run at the same moment over many due timers, and
// handle the same decline message at once (a resend that reached the other receiver). Each
// step is paged exactly once: the step script takes a step only when the incident is still
// where the decision was made (esc_at, re-page count, acknowledged), so the slower instance
// gets `stale` and decides again. An instance that dies after its step's script leaves the
// page in notify's outbox: it is sent, and nobody pages the step again.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "instances.hpp"
#include "piket/common/messaging.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_pool.hpp"
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

namespace json = boost::json;
using namespace std::chrono_literals;
using dispatch::DispatchResult;

const common::Instant kStart = common::from_epoch_ms(1795420800000);  // 2026-11-23T08:00Z
const common::Instant kTransportStart = common::from_epoch_ms(1924992000000);
constexpr int kIncidents = 120;

// primary: anna, then bert; backup: carl; team lead: tina.
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
  esc.defaults.repeat = 0;
  esc.defaults.forgotten = 60min;
  esc.defaults.forgotten_repages = 1;
  c.escalation = esc;
  return c;
}

class EscalatorInstancesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new piket::test::PrivateRedis("piket-escalator-inst"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }

  // One dispatch instance: its own pool (connections), metrics and escalator.
  struct Instance {
    Instance(const config::Config& c, const common::Clock& domain, const common::Clock& transport,
             const rota::CasemanagerSelector& selector, Escalator::OnPage on_page)
        : pool(c.redis),
          escalator(c.escalation, c, c, c.reply_code_window(), domain, transport, selector, pool,
                    metrics, std::move(on_page)) {}
    common::RedisPool pool;
    common::Metrics metrics{"dispatch"};
    Escalator escalator;
  };

  EscalatorInstancesTest()
      : conn_(redis_->config()),
        config_(make_config(redis_->config_as("dispatch"))),
        dispatcher_(config_, config_, config_.escalation, config_.reply_code_window(), domain_,
                    transport_, selector_, metrics_, {}) {
    conn_.command({"FLUSHALL"});
    for (int i = 0; i < 2; ++i)
      instances_.push_back(
          std::make_unique<Instance>(config_, domain_, transport_, selector_,
                                     [this](const std::string& id, const std::string&) {
                                       std::lock_guard lock(mutex_);
                                       woken_.push_back(id);
                                     }));
  }

  // An accepted incident of a new case, as ingest leaves it, dispatched (anna@0.0).
  std::string dispatched_incident(int n) {
    const std::string digits = std::to_string(n);
    const std::string id = "I" + std::string(15 - digits.size(), '0') + digits + "A";
    const std::string case_id = "C" + std::string(7 - digits.size(), '0') + digits + "Z";
    const auto at = std::to_string(common::to_epoch_ms(domain_.now()));
    conn_.command({"HSET", store::case_key(case_id), "region", "groningen", "opened_at", at,
                   "phase", "registered", "state", "open"});
    conn_.command({"HSET", store::incident_key(id), "kind", "home_ban", "region", "groningen",
                   "reported_at", at, "accepted_at", at, "case_id", case_id, "status", "accepted"});
    EXPECT_EQ(dispatcher_.dispatch(id).kind, DispatchResult::Kind::dispatched);
    return id;
  }
  std::vector<std::string> many_incidents() {
    std::vector<std::string> out;
    for (int n = 1; n <= kIncidents; ++n) out.push_back(dispatched_incident(n));
    return out;
  }

  // Every page of every incident: incident -> "person@step", sorted.
  std::map<std::string, std::vector<std::string>> pages_by_incident() {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& k : conn_.command({"KEYS", store::page_key("*")}).elements) {
      if (k.str.size() != 22) continue;  // page:{id} only
      const auto f = conn_.command({"HMGET", k.str, "incident", "person", "esc_at"});
      out[f.elements[0].str].push_back(f.elements[1].str + "@" + f.elements[2].str);
    }
    for (auto& [_, v] : out) std::sort(v.begin(), v.end());
    return out;
  }
  std::size_t timeline_count(const std::string& incident, const std::string& type) {
    const auto case_id = conn_.command({"HGET", store::incident_key(incident), "case_id"}).str;
    std::size_t n = 0;
    for (const auto& e :
         conn_.command({"LRANGE", store::case_timeline_key(case_id), "0", "-1"}).elements)
      n += json::parse(e.str).as_object().at("type").as_string() == type;
    return n;
  }
  // Both instances run their timer loop's step at the same moment, `rounds` times.
  void race_timers(int rounds = 3) {
    test::race_rounds(2, rounds, [&](int i, int) { instances_[i]->escalator.run_due(); });
  }

  static piket::test::PrivateRedis* redis_;
  common::RedisConnection conn_;
  config::Config config_;
  TableSelector selector_;
  // The deployment's one domain clock (the shared simulated clock) and the machines' time.
  common::SimulatedClock domain_{kStart};
  common::SimulatedClock transport_{kTransportStart};
  common::Metrics metrics_{"dispatch"};
  dispatch::Dispatcher dispatcher_;
  std::mutex mutex_;
  std::vector<std::string> woken_;
  std::vector<std::unique_ptr<Instance>> instances_;
};

piket::test::PrivateRedis* EscalatorInstancesTest::redis_ = nullptr;

TEST_F(EscalatorInstancesTest, TwoInstancesOverManyDueTimersPageEachStepExactlyOnce) {
  const auto incidents = many_incidents();
  domain_.advance(5min);
  race_timers();
  domain_.advance(5min);
  race_timers();
  domain_.advance(10min);  // the policy ends (no repeat): exhausted
  race_timers();
  const auto pages = pages_by_incident();
  for (const auto& inc : incidents) {
    ASSERT_TRUE(pages.count(inc)) << inc;
    EXPECT_EQ(pages.at(inc), (std::vector<std::string>{"anna@0.0", "carl@0.1", "tina@0.2"})) << inc;
    EXPECT_EQ(timeline_count(inc, "escalated"), 2u) << inc;
    EXPECT_EQ(timeline_count(inc, "escalation_exhausted"), 1u) << inc;
  }
  // Each escalation page went to notify once, by whichever instance took its step.
  std::set<std::string> unique(woken_.begin(), woken_.end());
  EXPECT_EQ(woken_.size(), unique.size());
  EXPECT_EQ(woken_.size(), 2u * kIncidents);
  EXPECT_EQ(conn_.command({"ZCARD", store::kEscalationsDue}).integer, 0);
}

// The same with the services' own timer loops (Escalator::start, a common::Periodic thread per
// instance, every [escalation] poll of real time) running while the shared clock moves.
TEST_F(EscalatorInstancesTest, BothInstancesTimerLoopsRunningTakeEachStepOnce) {
  const auto incidents = many_incidents();
  for (auto& in : instances_) in->escalator.start();
  const auto wait_for = [&](std::size_t pages) {
    for (int n = 0; n < 1000; ++n) {
      {
        std::lock_guard lock(mutex_);
        if (woken_.size() >= pages) break;
      }
      std::this_thread::sleep_for(10ms);
    }
    // A little longer: a late duplicate would show.
    std::this_thread::sleep_for(200ms);
  };
  domain_.advance(5min);
  wait_for(kIncidents);
  domain_.advance(5min);
  wait_for(2 * kIncidents);
  for (auto& in : instances_) in->escalator.stop();
  const auto pages = pages_by_incident();
  for (const auto& inc : incidents)
    EXPECT_EQ(pages.at(inc), (std::vector<std::string>{"anna@0.0", "carl@0.1", "tina@0.2"})) << inc;
  std::lock_guard lock(mutex_);
  std::set<std::string> unique(woken_.begin(), woken_.end());
  EXPECT_EQ(woken_.size(), unique.size());
  EXPECT_EQ(woken_.size(), 2u * kIncidents);
}

// One decline, its message handled by both instances at the same moment (the outbox resent it
// and the other instance's receiver got it): one step.
TEST_F(EscalatorInstancesTest, TheSameDeclineHandledByBothInstancesAtOnceMovesOneStep) {
  const auto incidents = many_incidents();
  std::vector<std::pair<std::string, std::string>> messages;  // id, payload
  for (const auto& inc : incidents) {
    const auto page = conn_.command({"HGET", store::incident_key(inc), "page_id"}).str;
    ASSERT_EQ(
        answer_page(conn_, {"anna", page, "", Answer::decline, AnswerVia::api, "token anna", ""},
                    domain_.now(), transport_.now(), 100)
            .kind,
        PageAnswerOutcome::Kind::declined);
    messages.emplace_back(page + ":declined",
                          json::serialize(json::object{{"page_id", page}, {"reason", "declined"}}));
  }
  test::race(2, [&](int i) {
    for (const auto& [id, payload] : messages)
      EXPECT_TRUE(instances_[i]->escalator.handle_message("escalation", id, payload));
  });
  race_timers(1);  // nothing is due yet: the step taken set its own timer
  const auto pages = pages_by_incident();
  for (const auto& inc : incidents) {
    EXPECT_EQ(pages.at(inc), (std::vector<std::string>{"anna@0.0", "carl@0.1"})) << inc;
    EXPECT_EQ(timeline_count(inc, "escalated"), 1u) << inc;
  }
  EXPECT_EQ(woken_.size(), static_cast<std::size_t>(kIncidents));
}

// An instance dies right after a step's script (its page is written, notify not yet woken):
// the page waits in notify's outbox (sent at the outbox's next sweep, by any instance), and the
// other instance does not page the step again. An instance that dies before the script has
// changed nothing: the timer is still due and the other instance takes it once.
TEST_F(EscalatorInstancesTest, AnInstanceThatDiesMidStepLeavesNothingDoubledOrDropped) {
  const auto taken = dispatched_incident(1);
  const auto untouched = dispatched_incident(2);
  domain_.advance(5min);
  {
    common::RedisPool pool(config_.redis);
    common::Metrics metrics{"dispatch"};
    Escalator dying(config_.escalation, config_, config_, config_.reply_code_window(), domain_,
                    transport_, selector_, pool, metrics,
                    [](const std::string&, const std::string&) {
                      throw std::runtime_error("killed after the step's script");
                    });
    EXPECT_THROW(dying.advance(taken, EscalationTrigger::timer), std::runtime_error);
  }
  // The dying instance's page is durable and in notify's outbox, not yet woken.
  auto pages = pages_by_incident();
  EXPECT_EQ(pages.at(taken), (std::vector<std::string>{"anna@0.0", "carl@0.1"}));
  const auto outbox = common::outbox_keys("notify");
  EXPECT_EQ(conn_.command({"ZCARD", outbox.due}).integer, 3);  // 2 first pages and carl's
  EXPECT_TRUE(woken_.empty());

  race_timers();
  pages = pages_by_incident();
  EXPECT_EQ(pages.at(taken), (std::vector<std::string>{"anna@0.0", "carl@0.1"}));
  EXPECT_EQ(pages.at(untouched), (std::vector<std::string>{"anna@0.0", "carl@0.1"}));
  EXPECT_EQ(timeline_count(taken, "escalated"), 1u);
  EXPECT_EQ(timeline_count(untouched, "escalated"), 1u);
  EXPECT_EQ(woken_.size(), 1u);  // only the untouched incident's step was taken now
  EXPECT_EQ(conn_.command({"ZCARD", outbox.due}).integer, 4);
}

}  // namespace
}  // namespace piket::paging
