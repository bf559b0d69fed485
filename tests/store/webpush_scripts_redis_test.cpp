// The Web Push subscription scripts run directly against a real redis-server
// (label redis) as the Redis user of the service that runs them, with the
// arguments their caller passes (push/src/subscriptions.cpp):
// web_push_subscribe as "web", notify_webpush_gone as "notify".

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "piket/common/redis.hpp"
#include "piket/store/lua.hpp"
#include "piket/store/webpush.hpp"
#include "private_redis.hpp"

namespace piket::store {
namespace {

using common::RedisConnection;
using common::RedisScript;

class WebPushScriptsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new test::PrivateRedis("piket-webpush-lua"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }
  void SetUp() override { ops_.command({"FLUSHALL"}); }

  std::vector<std::string> hgetall(const std::string& key) {
    return ops_.command({"HGETALL", key}).element_strings();
  }
  long long subscribe(const std::string& person, const std::string& id, const std::string& value,
                      int most) {
    const RedisScript s{std::string(lua::web_push_subscribe())};
    return web_.eval(s, {webpush_subs_key(person)}, {id, value, std::to_string(most)}).integer;
  }
  long long gone(const std::string& person, const std::string& id, const std::string& value) {
    const RedisScript s{std::string(lua::notify_webpush_gone())};
    return notify_.eval(s, {webpush_subs_key(person)}, {id, value}).integer;
  }

  static test::PrivateRedis* redis_;
  RedisConnection ops_{redis_->config()};
  RedisConnection web_{redis_->config_as("web")};
  RedisConnection notify_{redis_->config_as("notify")};
};
test::PrivateRedis* WebPushScriptsTest::redis_ = nullptr;

// Added up to the limit; the same id again renews in place even at the limit;
// a new one beyond the limit is refused and writes nothing.
TEST_F(WebPushScriptsTest, SubscribeAddsRenewsAndRefusesBeyondTheLimit) {
  EXPECT_EQ(subscribe("anna", "s1", "v1", 2), 1);
  EXPECT_EQ(subscribe("anna", "s2", "v2", 2), 1);
  EXPECT_EQ(subscribe("anna", "s3", "v3", 2), 0);
  EXPECT_EQ(subscribe("anna", "s1", "v1b", 2), 2);
  EXPECT_EQ(hgetall(webpush_subs_key("anna")), (std::vector<std::string>{"s1", "v1b", "s2", "v2"}));
  EXPECT_EQ(subscribe("bram", "s3", "v3", 2), 1);  // the limit is per person
}

// Removed only while it is still what was sent to; a renewal is kept.
TEST_F(WebPushScriptsTest, GoneRemovesOnlyTheSubscriptionThatWasSentTo) {
  subscribe("anna", "s1", "v1", 5);
  subscribe("anna", "s2", "v2", 5);
  EXPECT_EQ(gone("anna", "s1", "v1-old"), 0);
  EXPECT_EQ(gone("anna", "s9", "v9"), 0);
  EXPECT_EQ(hgetall(webpush_subs_key("anna")).size(), 4u);
  EXPECT_EQ(gone("anna", "s1", "v1"), 1);
  EXPECT_EQ(hgetall(webpush_subs_key("anna")), (std::vector<std::string>{"s2", "v2"}));
  EXPECT_EQ(gone("anna", "s1", "v1"), 0);
}

}  // namespace
}  // namespace piket::store
