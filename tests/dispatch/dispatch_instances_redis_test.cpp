// Two instances of dispatch on one real redis-server (label `redis`; docs/availability.md, "Two
// instances of every service"), each with its own connections as Redis user "dispatch":
//  - every incident message reaches both instances at the same moment (the outbox resent it and
//    another receiver took it): each incident is dispatched exactly once — one page, one
//    message to notify — because dispatch_incident.lua acts only on an incident still
//    `accepted`;
//  - both rota watchers run at the same moment, again and again: each notice is sent once
//    (dispatch_rota_notice.lua sets the notice's key in the script that creates its page).
// (The escalation timers of two instances: tests/paging/escalator_instances_redis_test.cpp.)
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "instances.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/common/time_format.hpp"
#include "piket/config/config.hpp"
#include "piket/dispatch/dispatcher.hpp"
#include "piket/dispatch/live_rota.hpp"
#include "piket/dispatch/rota_watcher.hpp"
#include "piket/rota/rota_file.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/outbox.hpp"
#include "piket/store/page.hpp"
#include "piket/store/rota_notice.hpp"
#include "private_redis.hpp"

namespace piket::dispatch {
namespace {

using namespace std::chrono_literals;

constexpr int kIncidents = 150;

config::Config config_for(const common::RedisConfig& redis) {
  auto c = config::parse_config(R"(
[kannel]
username = "u"
[[regions]]
id = "groningen"
[[people]]
id = "icm-a"
name = "A"
role = "casemanager"
phone = "+447700900001"
regions = ["groningen"]
caseload_cap = 500
[[people]]
id = "icm-b"
name = "B"
role = "casemanager"
phone = "+447700900002"
regions = ["groningen"]
caseload_cap = 500
[[people]]
id = "tl"
name = "TL"
role = "team_lead"
phone = "+447700900010"
regions = ["groningen"]
[rota]
file = "/nonexistent/rota.toml"
handoff_notice_minutes = 60
gap_warning_hours = 72
)",
                                "test.toml");
  c.redis = redis;
  return c;
}

// Daily shifts handing off at 08:00; the team-lead layer ends on 2026-11-24 08:00.
constexpr const char* kRota = R"(
[[rotations]]
region = "groningen"
layer = "primary"
shift = "day"
handoff = "08:00"
start = 2026-11-01
members = ["icm-a", "icm-b"]
[[rotations]]
region = "groningen"
layer = "backup"
shift = "day"
handoff = "08:00"
start = 2026-11-01
members = ["icm-b", "icm-a"]
[[rotations]]
region = "groningen"
layer = "team_lead"
shift = "day"
handoff = "08:00"
start = 2026-11-01
end = 2026-11-24
members = ["tl"]
)";

class DispatchInstancesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new piket::test::PrivateRedis("piket-dispatch-inst"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }
  DispatchInstancesTest() : conn_(redis_->config()) { conn_.command({"FLUSHALL"}); }

  // One incident of a new case as ingest's acceptance leaves it.
  std::string seed_incident(int n) {
    const auto d = std::to_string(n);
    const std::string id = "I" + std::string(15 - d.size(), '0') + d + "A";
    const std::string case_id = "C" + std::string(7 - d.size(), '0') + d + "Z";
    const auto at = std::to_string(common::to_epoch_ms(clock_.now() - 1min));
    conn_.command({"HSET", store::case_key(case_id), "region", "groningen", "partner", "police",
                   "household", "hh-" + d, "opened_at", at, "phase", "registered", "state",
                   "open"});
    conn_.command({"SADD", store::kCasesOpen, case_id});
    conn_.command({"HSET",        store::incident_key(id),
                   "partner",     "police",
                   "reference",   "R-" + d,
                   "kind",        "home_ban",
                   "region",      "groningen",
                   "reported_at", at,
                   "accepted_at", at,
                   "case_id",     case_id,
                   "status",      "accepted",
                   "body",        "{}",
                   "body_hash",   std::string(64, 'a'),
                   "new_case",    "1"});
    conn_.command({"RPUSH", store::case_incidents_key(case_id), id});
    return id;
  }

  static piket::test::PrivateRedis* redis_;
  common::RedisConnection conn_;
  config::Config config_ = config_for(redis_->config_as("dispatch"));
  // 2026-11-22 07:30 Amsterdam: half an hour before the 08:00 handoff.
  common::SimulatedClock clock_{*common::parse_rfc3339("2026-11-22T07:30:00+01:00")};
  common::SimulatedClock transport_{common::from_epoch_ms(1924992000000)};
  rota::RotaDefinition def_ = rota::parse_rota_file(kRota, "rota.toml", config_.people);
  std::mutex mutex_;
  std::vector<std::string> woken_;
};

piket::test::PrivateRedis* DispatchInstancesTest::redis_ = nullptr;

TEST_F(DispatchInstancesTest, EveryIncidentMessageAtBothInstancesAtOnceIsDispatchedOnce) {
  std::vector<std::string> incidents;
  for (int n = 1; n <= kIncidents; ++n) incidents.push_back(seed_incident(n));
  struct Instance {
    Instance(const config::Config& c, const rota::RotaDefinition& def, const common::Clock& domain,
             const common::Clock& transport,
             std::function<void(const std::string&, const std::string&)> on_page)
        : rota(def, c.people, c.caseload, domain),
          dispatcher(c, c, c.escalation, c.reply_code_window(), domain, transport, rota, metrics,
                     std::move(on_page)) {}
    LiveRota rota;
    common::Metrics metrics{"dispatch"};
    Dispatcher dispatcher;
  };
  std::vector<std::unique_ptr<Instance>> inst;
  for (int i = 0; i < 2; ++i)
    inst.push_back(std::make_unique<Instance>(config_, def_, clock_, transport_,
                                              [this](const std::string& id, const std::string&) {
                                                std::lock_guard lock(mutex_);
                                                woken_.push_back(id);
                                              }));
  std::vector<std::map<std::string, DispatchResult::Kind>> outcome(2);
  test::race(2, [&](int i) {
    for (const auto& id : incidents) {
      EXPECT_TRUE(inst[static_cast<std::size_t>(i)]->dispatcher.handle_message(
          "dispatch", id, R"({"case_id":"x"})"));
      outcome[static_cast<std::size_t>(i)][id] =
          inst[static_cast<std::size_t>(i)]->dispatcher.dispatch(id).kind;
    }
  });
  for (const auto& id : incidents) {
    EXPECT_EQ(conn_.command({"SCARD", store::incident_pages_key(id)}).integer, 1) << id;
    EXPECT_EQ(conn_.command({"HGET", store::incident_key(id), "status"}).str, "dispatched") << id;
    // Asked again afterwards, each instance finds it dispatched.
    for (int i = 0; i < 2; ++i)
      EXPECT_EQ(outcome[static_cast<std::size_t>(i)][id], DispatchResult::Kind::already_dispatched)
          << id;
  }
  // One page per incident, one message to notify for each, woken once.
  std::set<std::string> unique(woken_.begin(), woken_.end());
  EXPECT_EQ(woken_.size(), unique.size());
  EXPECT_EQ(woken_.size(), static_cast<std::size_t>(kIncidents));
  EXPECT_EQ(conn_.command({"ZCARD", store::outbox_due_key("notify")}).integer, kIncidents);
  EXPECT_EQ(conn_.command({"KEYS", store::page_key("*")}).elements.size(),
            static_cast<std::size_t>(kIncidents));
}

TEST_F(DispatchInstancesTest, TwoRotaWatchersRunningAtOnceSendEachNoticeOnce) {
  auto built = std::make_shared<const rota::Rota>(
      def_, std::vector<rota::Override>{},
      rota::TimeRange{clock_.now() - std::chrono::hours{24 * 30},
                      clock_.now() + std::chrono::hours{24 * 60}});
  std::vector<std::unique_ptr<common::RedisPool>> pools;
  std::vector<std::unique_ptr<RotaWatcher>> watchers;
  for (int i = 0; i < 2; ++i) {
    pools.push_back(std::make_unique<common::RedisPool>(config_.redis));
    watchers.push_back(std::make_unique<RotaWatcher>(
        config_.rota, config_, config_.outbox, clock_, transport_, [&] { return built; },
        *pools.back(),
        [this](const std::string& id, const std::string&) {
          std::lock_guard lock(mutex_);
          woken_.push_back(id);
        }));
  }
  for (int day = 0; day < 4; ++day) {
    test::race_rounds(2, 5, [&](int i, int) { watchers[static_cast<std::size_t>(i)]->run_once(); });
    clock_.advance(24h);
  }
  // A handoff notice a day and the gap warning: each notice key names one page, and each page
  // sent is a notice's, announced to notify once.
  const auto keys = conn_.command({"KEYS", store::notice_key("*")}).elements;
  ASSERT_GE(keys.size(), 5u);
  std::set<std::string> noticed;
  for (const auto& k : keys) noticed.insert(conn_.command({"GET", k.str}).str);
  EXPECT_EQ(noticed.size(), keys.size());
  std::set<std::string> unique(woken_.begin(), woken_.end());
  EXPECT_EQ(unique.size(), woken_.size());
  EXPECT_EQ(unique, noticed);
  EXPECT_EQ(conn_.command({"KEYS", store::page_key("*")}).elements.size(), keys.size());
  EXPECT_EQ(conn_.command({"ZCARD", store::outbox_due_key("notify")}).integer,
            static_cast<long long>(keys.size()));
}

}  // namespace
}  // namespace piket::dispatch
