// The access Lua scripts (store/lua/access/*.lua) run directly against a real redis-server
// (label redis), with the arguments their callers pass (access/src/calendar_tokens.cpp,
// access/src/case_facts_reader.cpp), as the Redis user of each service that runs them: the
// calendar token scripts in piket-web (piket-dispatch only looks tokens up, without Lua), the
// case facts in piket-cases and piket-web.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "piket/common/redis.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/lua.hpp"
#include "piket/store/page.hpp"
#include "piket/store/session.hpp"
#include "private_redis.hpp"

namespace piket::store {
namespace {

using common::RedisConnection;
using common::RedisScript;

class AccessScriptsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new test::PrivateRedis("piket-access-lua"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }
  void SetUp() override { ops_.command({"FLUSHALL"}); }

  std::vector<std::string> hgetall(const std::string& key) {
    return ops_.command({"HGETALL", key}).element_strings();
  }
  bool exists(const std::string& key) { return ops_.command({"EXISTS", key}).integer == 1; }

  // access_calendar_token_create as CalendarTokens::create calls it.
  long long create(RedisConnection& as, const std::string& person, const std::string& id,
                   const std::string& hash, const std::string& at, int most) {
    const RedisScript s{std::string(lua::access_calendar_token_create())};
    return as
        .eval(s, {caltokens_key(person), caltoken_key(hash)},
              {id, hash, person, at, person, std::to_string(most)})
        .integer;
  }

  static test::PrivateRedis* redis_;
  RedisConnection ops_{redis_->config()};
};
test::PrivateRedis* AccessScriptsTest::redis_ = nullptr;

// access_calendar_token_create: the token's hash (person, id, created_at, by) and the
// person's index entry id -> hash; refused (0, nothing written) at the per-person limit.
TEST_F(AccessScriptsTest, CalendarTokenCreateStoresTheTokenAndItsIndexWithinTheLimit) {
  RedisConnection web{redis_->config_as("web")};
  EXPECT_EQ(create(web, "alice", "aaaaaaaaaaa1", "hash1", "1000", 2), 1);
  EXPECT_EQ(hgetall(caltoken_key("hash1")),
            (std::vector<std::string>{"person", "alice", "id", "aaaaaaaaaaa1", "created_at", "1000",
                                      "by", "alice"}));
  EXPECT_EQ(hgetall(caltokens_key("alice")), (std::vector<std::string>{"aaaaaaaaaaa1", "hash1"}));

  EXPECT_EQ(create(web, "alice", "aaaaaaaaaaa2", "hash2", "2000", 2), 1);
  EXPECT_EQ(ops_.command({"HGET", caltokens_key("alice"), "aaaaaaaaaaa2"}).str, "hash2");

  // At the limit: refused, nothing written.
  EXPECT_EQ(create(web, "alice", "aaaaaaaaaaa3", "hash3", "3000", 2), 0);
  EXPECT_FALSE(exists(caltoken_key("hash3")));
  EXPECT_EQ(ops_.command({"HLEN", caltokens_key("alice")}).integer, 2);

  // The limit is per person.
  EXPECT_EQ(create(web, "bob", "bbbbbbbbbbb1", "hash4", "4000", 2), 1);
  EXPECT_EQ(ops_.command({"HGET", caltoken_key("hash4"), "person"}).str, "bob");
}

// access_calendar_token_revoke: deletes the token's hash and its index entry (1); an id the
// person does not hold is 0 and touches nothing (not another person's token either).
TEST_F(AccessScriptsTest, CalendarTokenRevokeDeletesTheTokenAndItsIndexEntry) {
  const RedisScript revoke{std::string(lua::access_calendar_token_revoke())};
  RedisConnection web{redis_->config_as("web")};
  create(web, "alice", "aaaaaaaaaaa1", "hash1", "1000", 5);
  create(web, "alice", "aaaaaaaaaaa2", "hash2", "2000", 5);
  create(web, "bob", "bbbbbbbbbbb1", "hash3", "3000", 5);

  EXPECT_EQ(web.eval(revoke, {caltokens_key("alice")}, {"aaaaaaaaaaa1"}).integer, 1);
  EXPECT_FALSE(exists(caltoken_key("hash1")));
  EXPECT_EQ(hgetall(caltokens_key("alice")), (std::vector<std::string>{"aaaaaaaaaaa2", "hash2"}));
  EXPECT_TRUE(exists(caltoken_key("hash2")));

  EXPECT_EQ(web.eval(revoke, {caltokens_key("alice")}, {"aaaaaaaaaaa1"}).integer, 0);
  EXPECT_EQ(web.eval(revoke, {caltokens_key("alice")}, {"bbbbbbbbbbb1"}).integer, 0)
      << "bob's token is not alice's to revoke";
  EXPECT_TRUE(exists(caltoken_key("hash3")));
  EXPECT_EQ(hgetall(caltokens_key("bob")), (std::vector<std::string>{"bbbbbbbbbbb1", "hash3"}));
}

// access_case_facts: {region, casemanager, state, then per page of this case named on its
// timeline: id, person, state, rule, created_at, acknowledged_at, declined_at}, each page
// once, only pages whose hash names this case and a person (that person if ARGV[2] is
// given); a note's escaped text cannot name a page; no case: {}.
TEST_F(AccessScriptsTest, CaseFactsReadsTheCaseAndThePagesItsTimelineNames) {
  const RedisScript facts{std::string(lua::access_case_facts())};
  const std::string id = "C0000001";
  ops_.command({"HSET", case_key(id), "region", "north", "casemanager", "carol", "state", "open"});
  ops_.command({"HSET", page_key("P0000000000000001"), "case", id, "person", "alice", "state",
                "acknowledged", "rule", "r1", "created_at", "1000", "acknowledged_at", "1500"});
  ops_.command({"HSET", page_key("P0000000000000002"), "case", id, "person", "bob", "state",
                "declined", "created_at", "1100", "declined_at", "1200"});
  ops_.command({"HSET", page_key("P0000000000000003"), "case", "C0000002", "person", "alice"});
  ops_.command({"HSET", page_key("P0000000000000004"), "case", id, "state", "pending"});
  ops_.command({"HSET", page_key("P0000000000000009"), "case", id, "person", "mallory"});
  ops_.command({"RPUSH", case_timeline_key(id),
                R"({"kind":"paged","page":"P0000000000000001","person":"alice"})",
                R"({"kind":"paged","page":"P0000000000000002"})",
                R"({"kind":"acknowledged","page":"P0000000000000001"})",
                R"({"kind":"paged","page":"P0000000000000003"})",
                R"({"kind":"paged","page":"P0000000000000004"})",
                R"({"kind":"note","text":"\"page\":\"P0000000000000009\""})"});

  const std::vector<std::string> both{
      "north", "carol", "open", "P0000000000000001", "alice", "acknowledged", "r1",
      "1000",  "1500",  "",     "P0000000000000002", "bob",   "declined",     "",
      "1100",  "",      "1200"};
  for (const auto* user : {"cases", "web"}) {
    SCOPED_TRACE(user);
    RedisConnection as{redis_->config_as(user)};
    EXPECT_EQ(as.eval(facts, {case_key(id), case_timeline_key(id)}, {id, ""}).element_strings(),
              both);
    EXPECT_EQ(as.eval(facts, {case_key(id), case_timeline_key(id)}, {id, "bob"}).element_strings(),
              (std::vector<std::string>{"north", "carol", "open", "P0000000000000002", "bob",
                                        "declined", "", "1100", "", "1200"}));
    EXPECT_EQ(
        as.eval(facts, {case_key(id), case_timeline_key(id)}, {id, "nobody"}).element_strings(),
        (std::vector<std::string>{"north", "carol", "open"}));
    const std::string none = "C0000003";
    EXPECT_TRUE(
        as.eval(facts, {case_key(none), case_timeline_key(none)}, {none, ""}).elements.empty());
  }

  // A case without a casemanager or state yet: '' for each.
  ops_.command({"HDEL", case_key(id), "casemanager", "state"});
  RedisConnection cases{redis_->config_as("cases")};
  EXPECT_EQ(
      cases.eval(facts, {case_key(id), case_timeline_key(id)}, {id, "nobody"}).element_strings(),
      (std::vector<std::string>{"north", "", ""}));
}

}  // namespace
}  // namespace piket::store
