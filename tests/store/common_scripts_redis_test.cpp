// The common Lua scripts (store/lua/common/*.lua), each run directly
// against a real redis-server (label redis), as the Redis user of the service
// that runs it — so the test proves the script works and that its user may
// run everything it calls.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "instances.hpp"
#include "piket/common/redis.hpp"
#include "piket/store/clock.hpp"
#include "piket/store/lua.hpp"
#include "piket/store/outbox.hpp"
#include "private_redis.hpp"

namespace piket::common {
namespace {

class LuaScriptsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new test::PrivateRedis("piket-lua"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }
  void SetUp() override {
    ops_.command({"FLUSHALL"});
    ops_.command({"CONFIG", "RESETSTAT"});
  }

  // How many PUBLISH calls Redis has run since the suite's server started
  // (INFO commandstats: "cmdstat_publish:calls=N,...").
  long publish_calls() {
    const auto info = ops_.command({"INFO", "commandstats"}).str;
    const auto at = info.find("cmdstat_publish:calls=");
    if (at == std::string::npos) return 0;
    return std::stol(info.substr(at + 22));
  }

  static test::PrivateRedis* redis_;
  RedisConnection ops_{redis_->config()};
};
test::PrivateRedis* LuaScriptsTest::redis_ = nullptr;

// outbox_claim_due: due messages in due order, leased to the new due time,
// at most ARGV[3]; a due id without a payload (acknowledged meanwhile) is
// dropped; what is not due yet stays untouched.
TEST_F(LuaScriptsTest, OutboxClaimDueLeasesWhatIsDueInOrderAndDropsWhatWasAcknowledged) {
  const RedisScript claim{std::string(lua::outbox_claim_due())};
  const std::string due = store::outbox_due_key("notify"), data = store::outbox_data_key("notify");
  ops_.command({"ZADD", due, "100", "m1", "90", "m0", "150", "gone", "120", "m2", "500", "later"});
  ops_.command({"HSET", data, "m0", "p0", "m1", "p1", "m2", "p2", "later", "pl"});
  RedisConnection sender{redis_->config_as("dispatch")};  // an outbox sender's own user

  auto r = sender.eval(claim, {due, data}, {"200", "5000", "2"});
  EXPECT_EQ(r.element_strings(), (std::vector<std::string>{"m0", "p0", "m1", "p1"}));
  EXPECT_EQ(ops_.command({"ZSCORE", due, "m0"}).str, "5000");
  EXPECT_EQ(ops_.command({"ZSCORE", due, "m1"}).str, "5000");
  EXPECT_EQ(ops_.command({"ZSCORE", due, "m2"}).str, "120");  // beyond the limit: next round

  r = sender.eval(claim, {due, data}, {"200", "6000", "10"});
  EXPECT_EQ(r.element_strings(), (std::vector<std::string>{"m2", "p2"}));
  EXPECT_TRUE(ops_.command({"ZSCORE", due, "gone"}).is_nil()) << "no payload: dropped";
  EXPECT_EQ(ops_.command({"ZSCORE", due, "later"}).str, "500") << "not due: untouched";
  EXPECT_EQ(ops_.command({"HGET", data, "later"}).str, "pl");

  // Leased messages come back when their lease runs out.
  r = sender.eval(claim, {due, data}, {"5000", "9000", "10"});
  EXPECT_EQ(r.element_strings(), (std::vector<std::string>{"later", "pl", "m0", "p0", "m1", "p1"}));
}

// Two instances of a sender (two processes of one service, each its own connection) sweep one
// outbox at the same moment, many rounds over many due messages: each message is taken by
// exactly one of them per lease. A sender that took messages and died (never sent them) leaves
// them leased; when the lease has run out the other takes each of them once.
TEST_F(LuaScriptsTest, OutboxClaimDueByTwoSendersAtOnceTakesEachMessageOncePerLease) {
  const RedisScript claim{std::string(lua::outbox_claim_due())};
  const std::string due = store::outbox_due_key("notify"), data = store::outbox_data_key("notify");
  constexpr int kMessages = 500;
  for (int n = 0; n < kMessages; ++n) {
    ops_.command({"ZADD", due, std::to_string(100 + n % 50), "m" + std::to_string(n)});
    ops_.command({"HSET", data, "m" + std::to_string(n), "p" + std::to_string(n)});
  }
  std::vector<std::unique_ptr<RedisConnection>> senders;
  for (int i = 0; i < 2; ++i)
    senders.push_back(std::make_unique<RedisConnection>(redis_->config_as("dispatch")));
  std::vector<std::vector<std::string>> taken(2);
  // Small batches, many rounds, both senders in every round.
  test::race_rounds(2, 40, [&](int i, int) {
    const auto r =
        senders[static_cast<std::size_t>(i)]->eval(claim, {due, data}, {"1000", "60000", "10"});
    const auto e = r.element_strings();
    for (std::size_t k = 0; k < e.size(); k += 2)
      taken[static_cast<std::size_t>(i)].push_back(e[k]);
  });
  std::map<std::string, int> count;
  for (const auto& t : taken)
    for (const auto& id : t) ++count[id];
  EXPECT_EQ(count.size(), static_cast<std::size_t>(kMessages));
  for (const auto& [id, n] : count) EXPECT_EQ(n, 1) << id;
  EXPECT_FALSE(taken[0].empty());
  EXPECT_FALSE(taken[1].empty());

  // Sender 0 "dies" with what it took; sender 1 acknowledges its own (the receiver's ZREM and
  // HDEL). Before the lease ends nobody takes sender 0's; after it, sender 1 takes each once.
  for (const auto& id : taken[1]) {
    ops_.command({"ZREM", due, id});
    ops_.command({"HDEL", data, id});
  }
  EXPECT_TRUE(senders[1]->eval(claim, {due, data}, {"59999", "120000", "1000"}).elements.empty());
  std::vector<std::vector<std::string>> again(2);
  test::race(2, [&](int i) {
    const auto e = senders[static_cast<std::size_t>(i)]
                       ->eval(claim, {due, data}, {"60000", "120000", "1000"})
                       .element_strings();
    for (std::size_t k = 0; k < e.size(); k += 2)
      again[static_cast<std::size_t>(i)].push_back(e[k]);
  });
  std::map<std::string, int> recount;
  for (const auto& t : again)
    for (const auto& id : t) ++recount[id];
  EXPECT_EQ(recount.size(), taken[0].size());
  for (const auto& id : taken[0]) EXPECT_EQ(recount[id], 1) << id;
}

// simulated_clock_move: forward by 'advance' or to 'set', never backwards,
// each move published on clock:changed; only ingest's user may run it.
TEST_F(LuaScriptsTest, SimulatedClockMoveGoesForwardOnlyAndPublishesEachMove) {
  const RedisScript move{std::string(lua::simulated_clock_move())};
  const std::string key = std::string(store::kClockSimulatedMs);
  ops_.command({"SET", key, "1000"});
  RedisConnection ingest{redis_->config_as("ingest")};

  auto r = ingest.eval(move, {key}, {"advance", "500"});
  ASSERT_EQ(r.elements.size(), 2u);
  EXPECT_EQ(r.elements[0].integer, 1);
  EXPECT_EQ(r.elements[1].integer, 1500);
  EXPECT_EQ(ops_.command({"GET", key}).str, "1500");

  r = ingest.eval(move, {key}, {"set", "1200"});  // backwards: refused, unchanged
  EXPECT_EQ(r.elements[0].integer, 0);
  EXPECT_EQ(r.elements[1].integer, 1500);
  EXPECT_EQ(ops_.command({"GET", key}).str, "1500");

  r = ingest.eval(move, {key}, {"set", "9000"});
  EXPECT_EQ(r.elements[0].integer, 1);
  EXPECT_EQ(ops_.command({"GET", key}).str, "9000");

  // Each move was published, the refused one not (Redis counts the PUBLISH
  // calls scripts make in its command statistics).
  EXPECT_EQ(publish_calls(), 2);

  // Another service's user may not publish: the script is refused as a whole.
  RedisConnection notify{redis_->config_as("notify")};
  EXPECT_THROW(notify.eval(move, {key}, {"advance", "1"}), RedisError);
  EXPECT_EQ(ops_.command({"GET", key}).str, "9000");
}

}  // namespace
}  // namespace piket::common
