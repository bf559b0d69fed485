// Two instances of notify on one real redis-server (label `redis`; docs/availability.md, "Two
// instances of every service"). Each Notifier has its own connections as Redis user "notify"
// and two worker threads with their own gateways, as piket-notify runs them. They take the same
// page messages at once (the outbox resent one and the other receiver got it), race over many
// due deliveries, over due fallback timers (notify:timers) and over one person's SMS bundles.
// Each page goes out exactly once per channel: a delivery is claimed by one script that sets it
// `sending` with a lease (notify_claim.lua), a plan is applied only at the page's revision it
// was made from (notify_apply.lua), a bundle member is joined only while it waits
// (notify_join.lua). A delivery claimed by an instance that died before it sent is taken by the
// other instance when the lease (gateway timeout + in-doubt grace) has run out, once.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fake_sms_gateway.hpp"
#include "instances.hpp"
#include "piket/common/metrics.hpp"
#include "piket/common/redis.hpp"
#include "piket/config/config.hpp"
#include "piket/notify/notifier.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/delivery.hpp"
#include "piket/store/page.hpp"
#include "private_redis.hpp"

namespace piket::notify {
namespace {

namespace json = boost::json;
using common::Millis;
using test::FakeSmsGateway;
using namespace std::chrono_literals;

const common::Instant kDomainStart = common::from_epoch_ms(1795870800000);     // 2026-11-28
const common::Instant kTransportStart = common::from_epoch_ms(1924992000000);  // 2031-01-01
const std::string kCase = "C12345678";
const std::string kTo = "+31612345678";
constexpr int kPages = 150;
constexpr int kWorkers = 2;  // per instance

// A gateway killed before the SMS left: nothing sent, the delivery stays claimed.
class DeadGateway final : public SmsGateway {
 public:
  SendResult send(const OutgoingSms&) override { throw std::runtime_error("instance killed"); }
};

std::string digits(long long v, std::size_t w) {
  auto t = std::to_string(v);
  return std::string(w > t.size() ? w - t.size() : 0, '0') + t;
}

class NotifierInstancesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new piket::test::PrivateRedis("piket-notify-inst"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }

  NotifierInstancesTest() : conn_(redis_->config()) {
    conn_.command({"FLUSHALL"});
    config_.redis = redis_->config_as("notify");
    config_.notify.gateway_timeout = 3000ms;
    config_.notify.in_doubt_grace = 5000ms;
    config_.notify.bundle_window = 0ms;  // each page its own SMS (bundles: their own test)
    rota::PersonConfig anna;
    anna.id = "anna";
    anna.display_name = "Anna";
    anna.phone = kTo;
    anna.contact = {{rota::ContactChannel::sms, Millis{0}}};
    config_.people = {anna};
  }

  // One notify instance: its Notifier (its own inbox pool) and its workers, each with its own
  // connection and gateway.
  struct Instance {
    Instance(const config::Config& c, const common::Clock& domain, const common::Clock& transport)
        : notifier(
              c.notify, c.kannel, c, c, domain, transport,
              [] { return std::make_unique<FakeSmsGateway>(); }, metrics) {
      for (int w = 0; w < kWorkers; ++w) {
        connections.push_back(std::make_unique<common::RedisConnection>(c.redis));
        gateways.push_back(std::make_unique<FakeSmsGateway>());
      }
    }
    common::Metrics metrics{"notify"};
    Notifier notifier;
    std::vector<std::unique_ptr<common::RedisConnection>> connections;
    std::vector<std::unique_ptr<FakeSmsGateway>> gateways;
  };
  std::vector<std::unique_ptr<Instance>> two_instances() {
    std::vector<std::unique_ptr<Instance>> out;
    for (int i = 0; i < 2; ++i)
      out.push_back(std::make_unique<Instance>(config_, domain_, transport_));
    return out;
  }

  // Page n as dispatch writes it (its own step: no duplicate), with its reply code.
  std::string seed_page(int n) {
    const std::string id = "P" + digits(n, 16);
    const std::string code = digits(100000 + n, 6);
    conn_.command({"HSET",       store::page_key(id),
                   "incident",   "I0123456789ABCDEF",
                   "case",       kCase,
                   "person",     "anna",
                   "to",         kTo,
                   "text",       "piket page " + id + " reply " + code,
                   "ack_code",   code,
                   "rule",       "on_call",
                   "state",      "queued",
                   "created_at", ms(domain_.now()),
                   "channel",    "sms",
                   "attempts",   "0",
                   "step",       "step-" + id,
                   "brief",      "HOME BAN C" + digits(n, 8),
                   "rank",       "12"});
    conn_.command({"SET", store::ackcode_key("anna", code), id});
    return id;
  }
  std::vector<std::string> seed_pages(int count) {
    std::vector<std::string> out;
    for (int n = 1; n <= count; ++n) out.push_back(seed_page(n));
    return out;
  }
  // Both instances take every page's message at the same moment.
  void both_receive(std::vector<std::unique_ptr<Instance>>& inst,
                    const std::vector<std::string>& pages) {
    piket::test::race(2, [&](int i) {
      for (const auto& p : pages) EXPECT_TRUE(inst[i]->notifier.handle_message("notify", p, "{}"));
    });
  }
  // Every worker of both instances steps until it finds nothing to do, all at once.
  void race_workers(std::vector<std::unique_ptr<Instance>>& inst) {
    piket::test::race(2 * kWorkers, [&](int t) {
      auto& in = *inst[static_cast<std::size_t>(t / kWorkers)];
      const auto w = static_cast<std::size_t>(t % kWorkers);
      for (int n = 0; n < 10 * kPages; ++n)
        if (in.notifier.step(*in.gateways[w], *in.connections[w]).kind == StepResult::Kind::idle)
          return;
      ADD_FAILURE() << "a worker did not become idle";
    });
  }
  // Gateway sends per page over all gateways of all instances.
  static std::map<std::string, int> sends(const std::vector<std::unique_ptr<Instance>>& inst) {
    std::map<std::string, int> out;
    for (const auto& in : inst)
      for (const auto& g : in->gateways)
        for (const auto& m : g->sent) ++out[m.page_id];
    return out;
  }
  std::size_t count_events(const std::string& type) {
    std::size_t n = 0;
    for (const auto& e :
         conn_.command({"LRANGE", store::case_timeline_key(kCase), "0", "-1"}).elements)
      n += json::parse(e.str).as_object().at("type").as_string() == type;
    return n;
  }
  std::string hget(const std::string& key, const std::string& field) {
    return conn_.command({"HGET", key, field}).str;
  }
  static std::string ms(common::Instant t) { return std::to_string(common::to_epoch_ms(t)); }

  static piket::test::PrivateRedis* redis_;
  common::RedisConnection conn_;  // the test's own view: Redis user "ops"
  config::Config config_;
  common::SimulatedClock domain_{kDomainStart};
  common::SimulatedClock transport_{kTransportStart};
};

piket::test::PrivateRedis* NotifierInstancesTest::redis_ = nullptr;

TEST_F(NotifierInstancesTest, TwoInstancesOverManyDueDeliveriesSendEachPageExactlyOnce) {
  auto inst = two_instances();
  const auto pages = seed_pages(kPages);
  both_receive(inst, pages);
  race_workers(inst);
  const auto sent = sends(inst);
  EXPECT_EQ(sent.size(), pages.size());
  for (const auto& p : pages) {
    EXPECT_EQ(sent.count(p) ? sent.at(p) : 0, 1) << p;
    EXPECT_EQ(hget(store::delivery_key(p, "sms"), "state"), "accepted") << p;
    EXPECT_EQ(hget(store::delivery_key(p, "sms"), "attempts"), "1") << p;
  }
  EXPECT_EQ(count_events("page_sent"), pages.size());
  EXPECT_EQ(conn_.command({"ZCARD", store::kNotifyQueue}).integer, 0);
  // Both instances did work (the race is real, not one instance doing all).
  for (const auto& in : inst) {
    std::size_t mine = 0;
    for (const auto& g : in->gateways) mine += g->sent.size();
    EXPECT_GT(mine, 0u);
  }
}

// Push first, SMS two minutes later unless acknowledged (channel fallback): the fallback timers
// (notify:timers) fall due together and both instances evaluate them at once; each page's SMS
// is started once (one channel_fallback entry) and sent once.
TEST_F(NotifierInstancesTest, TwoInstancesOverDueFallbackTimersStartEachChannelOnce) {
  config_.people[0].contact = {{rota::ContactChannel::push, Millis{0}},
                               {rota::ContactChannel::sms, Millis{120000}}};
  auto inst = two_instances();
  const auto pages = seed_pages(60);
  both_receive(inst, pages);
  race_workers(inst);  // the pushes go now
  EXPECT_EQ(conn_.command({"XLEN", store::push_key("anna")}).integer, 60);
  EXPECT_TRUE(sends(inst).empty());
  domain_.advance(2min);
  race_workers(inst);  // the timers, then the SMS
  const auto sent = sends(inst);
  for (const auto& p : pages) {
    EXPECT_EQ(sent.count(p) ? sent.at(p) : 0, 1) << p;
    EXPECT_EQ(hget(store::delivery_key(p, "push"), "state"), "accepted") << p;
  }
  EXPECT_EQ(count_events("channel_fallback"), pages.size());
  EXPECT_EQ(conn_.command({"XLEN", store::push_key("anna")}).integer, 60);
  EXPECT_EQ(conn_.command({"ZCARD", store::kNotifyTimers}).integer, 0);
}

// One person's SMS bundled (bundle window 3 s): whatever each instance bundles, every page's
// reply code reaches the phone exactly once.
TEST_F(NotifierInstancesTest, TwoInstancesBundlingOnePersonsSmsSendEachReplyCodeOnce) {
  config_.notify.bundle_window = 3000ms;
  auto inst = two_instances();
  const auto pages = seed_pages(40);
  both_receive(inst, pages);
  for (int window = 0; window < 40 && conn_.command({"ZCARD", store::kNotifyQueue}).integer > 0;
       ++window) {
    race_workers(inst);
    transport_.advance(3s);
  }
  EXPECT_EQ(conn_.command({"ZCARD", store::kNotifyQueue}).integer, 0);
  std::string all;
  for (const auto& in : inst)
    for (const auto& g : in->gateways)
      for (const auto& m : g->sent) all += m.text + "\n";
  for (int n = 1; n <= 40; ++n) {
    const auto code = digits(100000 + n, 6);
    std::size_t found = 0;
    for (auto at = all.find(code); at != std::string::npos; at = all.find(code, at + 1)) ++found;
    EXPECT_EQ(found, 1u) << "reply code " << code;
  }
  for (const auto& p : pages) EXPECT_EQ(hget(store::delivery_key(p, "sms"), "state"), "accepted");
}

// An instance claims deliveries and dies before it sends them: they are `sending` under its
// lease; the other instance sends everything else at once, and the dead instance's deliveries
// when the lease has run out — each once, marked as a resend in doubt.
TEST_F(NotifierInstancesTest, DeliveriesClaimedByAnInstanceThatDiedAreSentOnceAfterTheLease) {
  auto inst = two_instances();
  const auto pages = seed_pages(20);
  both_receive(inst, pages);
  std::vector<std::string> orphaned;
  {
    // One delivery per claim, so that five steps leave five deliveries claimed
    // (a batch claimed by a dying instance: BatchTest in notifier_redis_test.cpp).
    auto one_at_a_time = config_.notify;
    one_at_a_time.claim_batch = 1;
    Notifier dying(
        one_at_a_time, config_.kannel, config_, config_, domain_, transport_,
        [] { return std::make_unique<DeadGateway>(); }, inst[0]->metrics);
    common::RedisConnection conn(config_.redis);
    DeadGateway dead;
    for (int k = 0; k < 5; ++k) {
      EXPECT_THROW(dying.step(dead, conn), std::runtime_error);
    }
  }
  for (const auto& p : pages)
    if (hget(store::delivery_key(p, "sms"), "state") == "sending") orphaned.push_back(p);
  ASSERT_EQ(orphaned.size(), 5u);

  race_workers(inst);  // the others, now; the orphans are leased
  auto sent = sends(inst);
  EXPECT_EQ(sent.size(), pages.size() - orphaned.size());
  for (const auto& p : orphaned) EXPECT_EQ(sent.count(p), 0u) << p;

  transport_.advance(config_.notify.gateway_timeout + config_.notify.in_doubt_grace - 1ms);
  race_workers(inst);
  EXPECT_EQ(sends(inst).size(), pages.size() - orphaned.size()) << "a live lease was taken";
  transport_.advance(1ms);
  race_workers(inst);  // in doubt: first left to the dead worker's record
  EXPECT_EQ(sends(inst).size(), pages.size() - orphaned.size()) << "sent before the wait";
  transport_.advance(config_.notify.in_doubt_confirm);
  race_workers(inst);
  sent = sends(inst);
  EXPECT_EQ(sent.size(), pages.size());
  for (const auto& p : pages) EXPECT_EQ(sent.count(p) ? sent.at(p) : 0, 1) << p;
  for (const auto& p : orphaned) {
    EXPECT_EQ(hget(store::delivery_key(p, "sms"), "in_doubt_resends"), "1") << p;
    EXPECT_EQ(hget(store::delivery_key(p, "sms"), "state"), "accepted") << p;
  }
  EXPECT_EQ(count_events("page_sent"), pages.size());
}

// As piket-notify runs: both instances started, each with its two worker loops claiming
// batches (notify.claim_batch) and sending each batch over its own gateway connections at once
// (notify.gateway_connections, one fake gateway per connection). Every page goes out once.
TEST_F(NotifierInstancesTest, TwoStartedInstancesSendingBatchesOverManyConnectionsSendEachOnce) {
  config_.notify.claim_batch = 8;
  config_.notify.gateway_connections = 3;
  std::mutex mutex;
  std::vector<FakeSmsGateway*> gateways;  // every connection of every instance
  const auto factory = [&] {
    auto g = std::make_unique<FakeSmsGateway>();
    std::lock_guard lock(mutex);
    gateways.push_back(g.get());
    return g;
  };
  std::vector<std::unique_ptr<common::Metrics>> metrics;
  std::vector<std::unique_ptr<Notifier>> notifiers;
  for (int i = 0; i < 2; ++i) {
    metrics.push_back(std::make_unique<common::Metrics>("notify"));
    notifiers.push_back(std::make_unique<Notifier>(config_.notify, config_.kannel, config_, config_,
                                                   domain_, transport_, factory, *metrics.back()));
  }
  const auto pages = seed_pages(kPages);
  for (auto& n : notifiers) n->start();
  piket::test::race(2, [&](int i) {
    for (const auto& p : pages)
      EXPECT_TRUE(notifiers[static_cast<std::size_t>(i)]->handle_message("notify", p, "{}"));
  });
  const auto give_up = std::chrono::steady_clock::now() + 30s;
  const auto all_accepted = [&] {
    for (const auto& p : pages)
      if (hget(store::delivery_key(p, "sms"), "state") != "accepted") return false;
    return true;
  };
  while (!all_accepted() && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(20ms);
  for (auto& n : notifiers) n->stop();
  std::map<std::string, int> sent;
  std::lock_guard lock(mutex);
  for (const auto* g : gateways)
    for (const auto& m : g->sent) ++sent[m.page_id];
  EXPECT_EQ(sent.size(), pages.size());
  for (const auto& p : pages) {
    EXPECT_EQ(sent.count(p) ? sent.at(p) : 0, 1) << p;
    EXPECT_EQ(hget(store::delivery_key(p, "sms"), "state"), "accepted") << p;
    EXPECT_EQ(hget(store::delivery_key(p, "sms"), "attempts"), "1") << p;
  }
  EXPECT_EQ(count_events("page_sent"), pages.size());
  EXPECT_EQ(conn_.command({"ZCARD", store::kNotifyQueue}).integer, 0);
  EXPECT_LE(gateways.size(), 2u * 2u * 3u) << "at most a connection per lane";
}

}  // namespace
}  // namespace piket::notify
