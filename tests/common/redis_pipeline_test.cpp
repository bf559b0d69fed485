// RedisConnection::eval_pipeline against a private redis-server (label
// `redis`): many script calls in one round trip, an outcome per call — a
// call Redis refuses fails alone — and scripts the server lost (SCRIPT
// FLUSH, a restart, a failover) loaded again without running a call twice.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "piket/common/redis.hpp"
#include "private_redis.hpp"

namespace piket::common {
namespace {

// INCRs its key by ARGV[1]; errors when ARGV[1] is "boom".
const RedisScript kIncr{
    "if ARGV[1] == 'boom' then return redis.error_reply('ERR boom') end "
    "return redis.call('INCRBY', KEYS[1], ARGV[1])"};
const RedisScript kEcho{"return ARGV[1]"};

class RedisPipelineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new test::PrivateRedis("piket-redis-pipeline"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }
  RedisPipelineTest() { ops_.command({"FLUSHALL"}); }

  static test::PrivateRedis* redis_;
  RedisConnection ops_{redis_->config()};
};
test::PrivateRedis* RedisPipelineTest::redis_ = nullptr;

TEST_F(RedisPipelineTest, EveryCallHasItsOutcomeInOrder) {
  std::vector<RedisScriptCall> calls;
  for (int n = 1; n <= 5; ++n) calls.push_back({&kIncr, {"counter"}, {std::to_string(n)}});
  calls.push_back({&kEcho, {}, {"hello"}});
  const auto out = ops_.eval_pipeline(calls);
  ASSERT_EQ(out.size(), 6u);
  for (int n = 0; n < 5; ++n) EXPECT_EQ(out[n].value().integer, (n + 1) * (n + 2) / 2);
  EXPECT_EQ(out[5].value().str, "hello");
  EXPECT_EQ(ops_.command({"GET", "counter"}).str, "15");
  EXPECT_TRUE(ops_.eval_pipeline({}).empty());
}

TEST_F(RedisPipelineTest, ACallRedisRefusesFailsAloneAndTheOthersRun) {
  const auto out = ops_.eval_pipeline(
      {{&kIncr, {"a"}, {"1"}}, {&kIncr, {"b"}, {"boom"}}, {&kIncr, {"c"}, {"3"}}});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(out[0].ok());
  EXPECT_FALSE(out[1].ok());
  EXPECT_THROW((void)out[1].value(), RedisReplyError);
  EXPECT_TRUE(out[2].ok());
  EXPECT_EQ(ops_.command({"GET", "a"}).str, "1");
  EXPECT_TRUE(ops_.command({"GET", "b"}).is_nil());
  EXPECT_EQ(ops_.command({"GET", "c"}).str, "3");
}

// The server forgot its scripts (restarted, or another primary after a
// failover): each call is run once, none twice.
TEST_F(RedisPipelineTest, ScriptsTheServerLostAreLoadedAgainAndEachCallRunsOnce) {
  (void)ops_.eval_pipeline({{&kIncr, {"n"}, {"1"}}});
  ops_.command({"SCRIPT", "FLUSH"});
  const auto out =
      ops_.eval_pipeline({{&kIncr, {"n"}, {"10"}}, {&kEcho, {}, {"x"}}, {&kIncr, {"n"}, {"100"}}});
  EXPECT_EQ(out[0].value().integer, 11);
  EXPECT_EQ(out[1].value().str, "x");
  EXPECT_EQ(out[2].value().integer, 111);
  EXPECT_EQ(ops_.command({"GET", "n"}).str, "111");
  // And eval() on the same connection still works.
  EXPECT_EQ(ops_.eval(kEcho, {}, {"y"}).str, "y");
}

// Plain commands (reads) go in the same round trip as script calls, each with its outcome,
// also when the server lost the scripts and they are sent again: a plain command runs once.
TEST_F(RedisPipelineTest, PlainCommandsShareTheRoundTripAndRunOnce) {
  ops_.command({"SET", "k", "v"});
  (void)ops_.eval_pipeline({{&kEcho, {}, {"warm"}}});
  ops_.command({"SCRIPT", "FLUSH"});
  const auto out = ops_.eval_pipeline({{nullptr, {}, {"GET", "k"}},
                                       {&kIncr, {"n"}, {"2"}},
                                       {nullptr, {}, {"INCR", "plain"}},
                                       {nullptr, {}, {"HGET", "k", "f"}}});
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].value().str, "v");
  EXPECT_EQ(out[1].value().integer, 2);
  EXPECT_EQ(out[2].value().integer, 1);
  EXPECT_THROW((void)out[3].value(), RedisReplyError);  // WRONGTYPE: that command's alone
  EXPECT_EQ(ops_.command({"GET", "plain"}).str, "1");
}

// A service's own user may run its scripts this way (EVALSHA, SCRIPT LOAD).
TEST_F(RedisPipelineTest, AServiceUserRunsItsScriptsInAPipeline) {
  RedisConnection dispatch{redis_->config_as("dispatch")};
  const auto out = dispatch.eval_pipeline({{&kEcho, {}, {"a"}}, {&kEcho, {}, {"b"}}});
  EXPECT_EQ(out[0].value().str, "a");
  EXPECT_EQ(out[1].value().str, "b");
}

}  // namespace
}  // namespace piket::common
