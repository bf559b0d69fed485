// The common Lua scripts (store/lua/common/*.lua), each run directly
// against a real redis-server (label redis), as the Redis user of the service
// that runs it — so the test proves the script works and that its user may
// run everything it calls.

#include <gtest/gtest.h>

#include <string>
#include <vector>

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
