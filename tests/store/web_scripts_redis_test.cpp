// piket-web's Lua scripts (store/lua/web/*.lua) run directly against a real redis-server
// (label redis) as Redis user "web", with the arguments their callers pass
// (services/web/src/{login_guard,refusal_tally,audit_log,live_updates}.cpp): each test seeds
// the state, runs the script and checks its reply and every key it writes.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "piket/common/redis.hpp"
#include "piket/store/audit.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/clock.hpp"
#include "piket/store/lua.hpp"
#include "piket/store/session.hpp"
#include "private_redis.hpp"

namespace piket::store {
namespace {

using common::RedisConnection;
using common::RedisScript;

// LoginGuard's arguments: window, free failures, address max failures, max delay, first delay.
constexpr long long kWindow = 60'000;
constexpr long long kMaxDelay = 30'000;
constexpr long long kFirstDelay = 1'000;

class WebScriptsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new test::PrivateRedis("piket-web-lua"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }
  void SetUp() override { ops_.command({"FLUSHALL"}); }

  std::string hget(const std::string& key, const std::string& field) {
    return ops_.command({"HGET", key, field}).str;
  }
  long long pttl(const std::string& key) { return ops_.command({"PTTL", key}).integer; }

  // web_login_admit with LoginGuard's arguments at `now`.
  common::RedisReply admit(const std::string& account, const std::string& address, long long now,
                           int free_failures, int address_max) {
    const RedisScript s{std::string(lua::web_login_admit())};
    return web_.eval(
        s, {account, address},
        {std::to_string(now), std::to_string(kWindow), std::to_string(free_failures),
         std::to_string(address_max), std::to_string(kMaxDelay), std::to_string(kFirstDelay)});
  }

  static test::PrivateRedis* redis_;
  RedisConnection ops_{redis_->config()};
  RedisConnection web_{redis_->config_as("web")};
};
test::PrivateRedis* WebScriptsTest::redis_ = nullptr;

// web_login_admit: each admitted attempt counts as a failure on the account and the address;
// from the free failures on, the account must wait (first delay, doubling); while it waits the
// script answers {'account', ms left} and writes nothing.
TEST_F(WebScriptsTest, LoginAdmitCountsAttemptsAndDelaysTheAccountAfterTheFreeFailures) {
  const auto account = login_account_key("acc1"), address = login_address_key("addr1");

  auto r = admit(account, address, 1000, 3, 100);
  EXPECT_EQ(r.element_strings(), (std::vector<std::string>{"admitted"}));
  EXPECT_EQ(hget(account, "failures"), "1");
  EXPECT_EQ(hget(account, "last"), "1000");
  EXPECT_EQ(hget(account, "next_at"), "0");
  EXPECT_EQ(hget(address, "count"), "1");
  EXPECT_EQ(hget(address, "since"), "1000");
  EXPECT_GT(pttl(account), kWindow);  // window + max delay
  EXPECT_LE(pttl(account), kWindow + kMaxDelay);
  EXPECT_GT(pttl(address), 0);
  EXPECT_LE(pttl(address), kWindow);

  EXPECT_EQ(admit(account, address, 1001, 3, 100).element_strings()[0], "admitted");
  EXPECT_EQ(hget(account, "next_at"), "0");
  // The third failure reaches the free failures: wait the first delay.
  EXPECT_EQ(admit(account, address, 1002, 3, 100).element_strings()[0], "admitted");
  EXPECT_EQ(hget(account, "failures"), "3");
  EXPECT_EQ(hget(account, "next_at"), std::to_string(1002 + kFirstDelay));
  EXPECT_EQ(hget(address, "count"), "3");

  r = admit(account, address, 1500, 3, 100);
  ASSERT_EQ(r.elements.size(), 2u);
  EXPECT_EQ(r.elements[0].str, "account");
  EXPECT_EQ(r.elements[1].integer, 1002 + kFirstDelay - 1500);
  EXPECT_EQ(hget(account, "failures"), "3") << "a delayed attempt is not counted";
  EXPECT_EQ(hget(address, "count"), "3");

  // After the wait: admitted again, and the next delay doubles.
  EXPECT_EQ(admit(account, address, 2002, 3, 100).element_strings()[0], "admitted");
  EXPECT_EQ(hget(account, "failures"), "4");
  EXPECT_EQ(hget(account, "next_at"), std::to_string(2002 + 2 * kFirstDelay));

  // A window after the last failure the account starts over.
  EXPECT_EQ(admit(account, address, 2002 + kWindow, 3, 100).element_strings()[0], "admitted");
  EXPECT_EQ(hget(account, "failures"), "1");
  EXPECT_EQ(hget(account, "next_at"), "0");
  EXPECT_EQ(hget(address, "count"), "1") << "the address's window started over too";
  EXPECT_EQ(hget(address, "since"), std::to_string(2002 + kWindow));
}

// web_login_admit: an address with its most failures in the window is blocked for every
// account until the window ends ({'address', ms left}), and nothing is counted.
TEST_F(WebScriptsTest, LoginAdmitBlocksAnAddressAtItsMostFailuresUntilTheWindowEnds) {
  const auto address = login_address_key("addr2");
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(admit(login_account_key("acc" + std::to_string(i)), address, 5000 + i, 10, 3)
                  .element_strings()[0],
              "admitted");
  EXPECT_EQ(hget(address, "count"), "3");

  const auto other = login_account_key("other");
  const auto r = admit(other, address, 6000, 10, 3);
  ASSERT_EQ(r.elements.size(), 2u);
  EXPECT_EQ(r.elements[0].str, "address");
  EXPECT_EQ(r.elements[1].integer, 5000 + kWindow - 6000);
  EXPECT_EQ(ops_.command({"EXISTS", other}).integer, 0) << "a blocked attempt writes nothing";
  EXPECT_EQ(hget(address, "count"), "3");
}

// web_login_success: the account's failures are forgotten and the address's count is taken
// back by one (never below zero).
TEST_F(WebScriptsTest, LoginSuccessForgetsTheAccountAndTakesTheAddressCountBack) {
  const RedisScript success{std::string(lua::web_login_success())};
  const auto account = login_account_key("acc1"), address = login_address_key("addr1");
  ops_.command({"HSET", account, "failures", "2", "last", "1000", "next_at", "0"});
  ops_.command({"HSET", address, "count", "2", "since", "900"});

  EXPECT_EQ(web_.eval(success, {account, address}, {}).integer, 1);
  EXPECT_EQ(ops_.command({"EXISTS", account}).integer, 0);
  EXPECT_EQ(hget(address, "count"), "1");
  EXPECT_EQ(hget(address, "since"), "900");

  ops_.command({"HSET", address, "count", "0"});
  EXPECT_EQ(web_.eval(success, {account, address}, {}).integer, 1);
  EXPECT_EQ(hget(address, "count"), "0");
  const auto unknown = login_address_key("never");
  EXPECT_EQ(web_.eval(success, {account, unknown}, {}).integer, 1);
  EXPECT_EQ(ops_.command({"EXISTS", unknown}).integer, 0) << "no count: nothing written";
}

// web_refusal_tally_add: per address counts in the minute's hash, at most ARGV[1] addresses
// told apart (the rest add to "other"), the minute listed in web:unauth:minutes, and the
// hash kept for ARGV[3] ms.
TEST_F(WebScriptsTest, RefusalTallyAddCountsPerAddressBoundedAndListsTheMinute) {
  const RedisScript add{std::string(lua::web_refusal_tally_add())};
  const auto minute = unauth_minute_key("29000000");
  const std::string minutes(kUnauthMinutes);
  constexpr long long kKeep = 7LL * 24 * 3600 * 1000;

  EXPECT_EQ(web_.eval(add, {minute, minutes},
                      {"2", "29000000", std::to_string(kKeep), "10.0.0.1", "3", "10.0.0.2", "2",
                       "10.0.0.3", "1"})
                .integer,
            1);
  EXPECT_EQ(hget(minute, "10.0.0.1"), "3");
  EXPECT_EQ(hget(minute, "10.0.0.2"), "2");
  EXPECT_EQ(hget(minute, "other"), "1");
  EXPECT_EQ(ops_.command({"HLEN", minute}).integer, 3);
  EXPECT_EQ(ops_.command({"ZSCORE", minutes, "29000000"}).str, "29000000");
  EXPECT_GT(pttl(minute), kKeep - 60'000);
  EXPECT_LE(pttl(minute), kKeep);

  // A known address adds to its count; a new one goes to "other" (the hash is full).
  web_.eval(add, {minute, minutes},
            {"2", "29000000", std::to_string(kKeep), "10.0.0.1", "1", "10.0.0.4", "4"});
  EXPECT_EQ(hget(minute, "10.0.0.1"), "4");
  EXPECT_EQ(hget(minute, "other"), "5");
  EXPECT_EQ(ops_.command({"HEXISTS", minute, "10.0.0.4"}).integer, 0);

  const auto next = unauth_minute_key("29000001");
  web_.eval(add, {next, minutes}, {"2", "29000001", std::to_string(kKeep), "10.0.0.9", "1"});
  EXPECT_EQ(ops_.command({"ZRANGE", minutes, "0", "-1"}).element_strings(),
            (std::vector<std::string>{"29000000", "29000001"}));
}

// web_audit_append: appends the line and moves the head only if the head is the one
// expected; otherwise {0, the current head} and nothing written.
TEST_F(WebScriptsTest, AuditAppendAppendsOnlyOnTheExpectedHead) {
  const RedisScript append{std::string(lua::web_audit_append())};
  const std::string log(kAuditLog), head(kAuditHead);

  auto r = web_.eval(append, {log, head}, {"", "line 1", "1 h1"});
  ASSERT_EQ(r.elements.size(), 2u);
  EXPECT_EQ(r.elements[0].integer, 1);
  EXPECT_EQ(r.elements[1].str, "1 h1");
  EXPECT_EQ(ops_.command({"GET", head}).str, "1 h1");

  // A writer that expects no head (or an old one) lost the race: told the current head.
  r = web_.eval(append, {log, head}, {"", "line x", "1 hx"});
  ASSERT_EQ(r.elements.size(), 2u);
  EXPECT_EQ(r.elements[0].integer, 0);
  EXPECT_EQ(r.elements[1].str, "1 h1");
  EXPECT_EQ(ops_.command({"GET", head}).str, "1 h1");

  r = web_.eval(append, {log, head}, {"1 h1", "line 2", "2 h2"});
  EXPECT_EQ(r.elements[0].integer, 1);
  EXPECT_EQ(r.elements[1].str, "2 h2");
  EXPECT_EQ(ops_.command({"GET", head}).str, "2 h2");
  EXPECT_EQ(ops_.command({"LRANGE", log, "0", "-1"}).element_strings(),
            (std::vector<std::string>{"line 1", "line 2"}));
}

// web_audit_append with a refusal tally's minute (KEYS[3]): the line is appended only while the
// address's field holds at least the count it reports, and the count is taken from it in the
// same script — so two web processes (or one after another that died) write a line once.
TEST_F(WebScriptsTest, AuditAppendTakesATallyLinesCountOnceOnly) {
  const RedisScript append{std::string(lua::web_audit_append())};
  const std::string log(kAuditLog), head(kAuditHead);
  const auto minute = unauth_minute_key("29000000");
  ops_.command({"HSET", minute, "10.0.0.1", "3", "10.0.0.2", "5"});

  auto r = web_.eval(append, {log, head, minute}, {"", "line 1", "1 h1", "10.0.0.1", "3"});
  EXPECT_EQ(r.elements[0].integer, 1);
  EXPECT_EQ(ops_.command({"HEXISTS", minute, "10.0.0.1"}).integer, 0)
      << "the whole count taken: the field goes";
  // The same line again (another writer read the same count): nothing written.
  r = web_.eval(append, {log, head, minute}, {"1 h1", "line 1 again", "2 hx", "10.0.0.1", "3"});
  EXPECT_EQ(r.elements[0].integer, 2);
  EXPECT_EQ(r.elements[1].str, "1 h1");
  EXPECT_EQ(ops_.command({"GET", head}).str, "1 h1");
  // Counted more meanwhile (7 now, the line says 5): 5 taken, 2 left for a later line.
  ops_.command({"HINCRBY", minute, "10.0.0.2", "2"});
  r = web_.eval(append, {log, head, minute}, {"1 h1", "line 2", "2 h2", "10.0.0.2", "5"});
  EXPECT_EQ(r.elements[0].integer, 1);
  EXPECT_EQ(hget(minute, "10.0.0.2"), "2");
  // A stale head writes nothing and takes nothing.
  r = web_.eval(append, {log, head, minute}, {"1 h1", "line x", "2 hx", "10.0.0.2", "2"});
  EXPECT_EQ(r.elements[0].integer, 0);
  EXPECT_EQ(hget(minute, "10.0.0.2"), "2");
  EXPECT_EQ(ops_.command({"LRANGE", log, "0", "-1"}).element_strings(),
            (std::vector<std::string>{"line 1", "line 2"}));
}

// web_refusal_tally_done: the minute leaves web:unauth:minutes only when nothing is left in it;
// the claim is released only with its holder's token.
TEST_F(WebScriptsTest, RefusalTallyDoneDropsAnEmptyMinuteAndOnlyItsOwnClaim) {
  const RedisScript done{std::string(lua::web_refusal_tally_done())};
  const auto minute = unauth_minute_key("29000000");
  const auto claim = unauth_minute_writing_key("29000000");
  const std::string minutes(kUnauthMinutes);
  ops_.command({"ZADD", minutes, "29000000", "29000000"});
  ops_.command({"HSET", minute, "10.0.0.1", "2"});
  ops_.command({"SET", claim, "mine"});

  EXPECT_EQ(web_.eval(done, {minute, minutes, claim}, {"29000000", "theirs"}).integer, 1);
  EXPECT_EQ(ops_.command({"ZCARD", minutes}).integer, 1) << "counts left: still listed";
  EXPECT_EQ(ops_.command({"EXISTS", claim}).integer, 1) << "another writer's claim stays";

  ops_.command({"DEL", minute});
  EXPECT_EQ(web_.eval(done, {minute, minutes, claim}, {"29000000", "mine"}).integer, 0);
  EXPECT_EQ(ops_.command({"ZCARD", minutes}).integer, 0);
  EXPECT_EQ(ops_.command({"EXISTS", claim}).integer, 0);
}

// web_live_digest: "open cases:timeline events of the open cases:simulated clock or -:
// web version or 0:due deadlines"; it changes when any of them does.
TEST_F(WebScriptsTest, LiveDigestSummarisesOpenCasesTheirEventsClockVersionAndDeadlines) {
  const RedisScript digest{std::string(lua::web_live_digest())};
  EXPECT_EQ(web_.eval(digest, {}, {}).str, "0:0:-:0:0");

  ops_.command({"SADD", std::string(kCasesOpen), "C1", "C2"});
  ops_.command({"RPUSH", case_timeline_key("C1"), "e1", "e2"});
  ops_.command({"RPUSH", case_timeline_key("C2"), "e3"});
  ops_.command({"RPUSH", case_timeline_key("C3"), "closed case: not counted"});
  ops_.command({"SET", std::string(kClockSimulatedMs), "5000"});
  ops_.command({"SET", std::string(kWebVersion), "7"});
  ops_.command({"ZADD", std::string(kDeadlinesDue), "100", "C1", "200", "C2"});
  EXPECT_EQ(web_.eval(digest, {}, {}).str, "2:3:5000:7:2");

  ops_.command({"RPUSH", case_timeline_key("C2"), "e4"});
  EXPECT_EQ(web_.eval(digest, {}, {}).str, "2:4:5000:7:2");
}

}  // namespace
}  // namespace piket::store
