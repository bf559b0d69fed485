// The Web Push subscription scripts run directly against a real redis-server
// (label redis) as the Redis user of the service that runs them, with the
// arguments their caller passes (push/src/subscriptions.cpp,
// push/src/retry_store.cpp): web_push_subscribe as "web", notify_webpush_gone
// and the retry scripts (notify_webpush_retry_put, _done, and the outboxes'
// lease that takes them) as "notify".

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

  // The retry scripts, for anna's subscription `sub`.
  std::vector<std::string> retry_keys(const std::string& sub) {
    return {std::string(kWebpushRetryDue), std::string(kWebpushRetryData),
            webpush_retries_key("anna", sub)};
  }
  long long put(const std::string& sub, const std::string& id, long long due, int per_sub = 3,
                int total = 5) {
    const RedisScript s{std::string(lua::notify_webpush_retry_put())};
    return notify_
        .eval(
            s, retry_keys(sub),
            {id, "job-" + id, std::to_string(due), std::to_string(per_sub), std::to_string(total)})
        .integer;
  }
  // The retries are taken with the outboxes' lease: {id, job, …}.
  std::vector<std::string> claim(long long now, int most, long long lease_until) {
    const RedisScript s{std::string(lua::outbox_claim_due())};
    return notify_
        .eval(s, {std::string(kWebpushRetryDue), std::string(kWebpushRetryData)},
              {std::to_string(now), std::to_string(lease_until), std::to_string(most)})
        .element_strings();
  }
  long long done(const std::string& sub, const std::string& id) {
    const RedisScript s{std::string(lua::notify_webpush_retry_done())};
    return notify_.eval(s, retry_keys(sub), {id}).integer;
  }
  long long zcard() { return ops_.command({"ZCARD", std::string(kWebpushRetryDue)}).integer; }

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

// Kept up to the limit per subscription and in all; the same job again is
// moved to its new time even at a limit; a refusal writes nothing.
TEST_F(WebPushScriptsTest, RetryPutIsBoundedPerSubscriptionAndInAll) {
  EXPECT_EQ(put("s1", "s1:a", 1000), 1);
  EXPECT_EQ(put("s1", "s1:b", 1000), 1);
  EXPECT_EQ(put("s1", "s1:c", 1000), 1);
  EXPECT_EQ(put("s1", "s1:d", 1000), 0);  // three per subscription
  EXPECT_EQ(put("s1", "s1:a", 4000), 2);
  EXPECT_EQ(ops_.command({"ZSCORE", std::string(kWebpushRetryDue), "s1:a"}).str, "4000");
  EXPECT_EQ(put("s2", "s2:a", 1000), 1);
  EXPECT_EQ(put("s2", "s2:b", 1000), 1);
  EXPECT_EQ(put("s3", "s3:a", 1000), 0);  // five in all
  EXPECT_EQ(zcard(), 5);
  EXPECT_FALSE(ops_.command({"HEXISTS", std::string(kWebpushRetryData), "s1:d"}).integer);
  EXPECT_FALSE(ops_.command({"EXISTS", webpush_retries_key("anna", "s3")}).integer);
  EXPECT_EQ(ops_.command({"SCARD", webpush_retries_key("anna", "s1")}).integer, 3);
}

// As notify's user, the outboxes' lease takes only what is due, the earliest
// first, at most `most`; each taken job waits until its lease's end and is
// taken again after it (its sender died); an id without its data is dropped.
TEST_F(WebPushScriptsTest, RetriesAreTakenWithTheOutboxesLease) {
  put("s1", "s1:a", 2000);
  put("s1", "s1:b", 1000);
  put("s2", "s2:a", 9000);
  EXPECT_EQ(claim(500, 10, 60'000), (std::vector<std::string>{}));
  EXPECT_EQ(claim(2000, 1, 60'000), (std::vector<std::string>{"s1:b", "job-s1:b"}));
  EXPECT_EQ(claim(2000, 10, 60'000), (std::vector<std::string>{"s1:a", "job-s1:a"}));
  EXPECT_EQ(ops_.command({"ZSCORE", std::string(kWebpushRetryDue), "s1:a"}).str, "60000");
  EXPECT_EQ(claim(59'999, 10, 70'000), (std::vector<std::string>{"s2:a", "job-s2:a"}));
  // Both leases ran out (their sender died): taken again (the same time: by id).
  EXPECT_EQ(claim(60'000, 10, 80'000),
            (std::vector<std::string>{"s1:a", "job-s1:a", "s1:b", "job-s1:b"}));
  ops_.command({"HDEL", std::string(kWebpushRetryData), "s2:a"});
  EXPECT_EQ(claim(70'000, 10, 90'000), (std::vector<std::string>{}));
  EXPECT_EQ(zcard(), 2);
}

// One job, or every job of a gone subscription; the others stay.
TEST_F(WebPushScriptsTest, RetryDoneForgetsAJobOrAllOfASubscription) {
  put("s1", "s1:a", 1000);
  put("s1", "s1:b", 1000);
  put("s2", "s2:a", 1000);
  EXPECT_EQ(done("s1", "s1:a"), 1);
  EXPECT_EQ(done("s1", "s1:a"), 0);
  EXPECT_EQ(ops_.command({"SMEMBERS", webpush_retries_key("anna", "s1")}).element_strings(),
            (std::vector<std::string>{"s1:b"}));
  EXPECT_EQ(put("s2", "s2:b", 1000), 1);
  EXPECT_EQ(done("s2", "*"), 2);
  EXPECT_FALSE(ops_.command({"EXISTS", webpush_retries_key("anna", "s2")}).integer);
  EXPECT_EQ(hgetall(std::string(kWebpushRetryData)),
            (std::vector<std::string>{"s1:b", "job-s1:b"}));
  EXPECT_EQ(zcard(), 1);
}

}  // namespace
}  // namespace piket::store
