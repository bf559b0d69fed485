// piket_access's Redis parts against a private redis-server (label redis):
// the need-to-know reader (what it reads, what it refuses to believe) and
// the calendar token store.
#include <gtest/gtest.h>

#include "piket/access/calendar_tokens.hpp"
#include "piket/access/case_facts_reader.hpp"
#include "piket/common/crypto.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/time_format.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/page.hpp"
#include "piket/store/session.hpp"
#include "private_redis.hpp"

namespace piket::access {
namespace {

using namespace std::chrono_literals;
const common::Instant kNow = *common::parse_rfc3339("2026-11-22T12:00:00Z");

class AccessRedisTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new ::piket::test::PrivateRedis("piket-access"); }
  static void TearDownTestSuite() { delete redis_; }
  AccessRedisTest() : conn_(redis_->config()) { conn_.command({"FLUSHALL"}); }

  void page(const std::string& id, const std::string& case_id, const std::string& person,
            const std::string& timeline_of, const std::string& state = "accepted") {
    conn_.command({"HSET", store::page_key(id), "case", case_id, "person", person, "state", state,
                   "rule", "on_call", "created_at", std::to_string(common::to_epoch_ms(kNow))});
    conn_.command({"RPUSH", store::case_timeline_key(timeline_of),
                   R"({"at":1,"type":"paged","page":")" + id + R"(","by":"dispatch"})"});
  }

  static inline ::piket::test::PrivateRedis* redis_ = nullptr;
  common::RedisConnection conn_;
};

TEST_F(AccessRedisTest, TheReaderGivesTheCaseAndThePagesThatBelongToIt) {
  conn_.command({"HSET", store::case_key("C0000000A"), "region", "groningen", "casemanager", "anna",
                 "state", "open"});
  page("P0000000000000001", "C0000000A", "bert", "C0000000A");
  page("P0000000000000002", "C0000000A", "carl", "C0000000A", "acknowledged");
  conn_.command({"HSET", store::page_key("P0000000000000002"), "acknowledged_at",
                 std::to_string(common::to_epoch_ms(kNow + 1min))});
  // A page of another case named in this case's timeline is not believed.
  page("P0000000000000003", "C0000000B", "dora", "C0000000A");
  // Nor a page named only in a note's text.
  conn_.command({"RPUSH", store::case_timeline_key("C0000000A"),
                 R"({"at":2,"type":"first_contact","note":"see \"page\":\"P0000000000000004\""})"});
  page("P0000000000000004", "C0000000A", "eva", "C0000000X");
  // Each page once, however often the timeline names it.
  conn_.command({"RPUSH", store::case_timeline_key("C0000000A"),
                 R"({"at":3,"type":"acknowledged","page":"P0000000000000002"})"});

  const auto f = read_case_facts(conn_, "C0000000A");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->region, "groningen");
  EXPECT_EQ(f->casemanager, "anna");
  EXPECT_TRUE(f->open);
  ASSERT_EQ(f->pages.size(), 2u);
  EXPECT_EQ(f->pages[0].person, "bert");
  EXPECT_EQ(f->pages[0].created_at, kNow);
  EXPECT_FALSE(f->pages[0].acknowledged_at);
  EXPECT_EQ(f->pages[1].person, "carl");
  EXPECT_EQ(f->pages[1].acknowledged_at, kNow + 1min);
  // One person's pages only.
  const auto only = read_case_facts(conn_, "C0000000A", "carl");
  ASSERT_TRUE(only);
  ASSERT_EQ(only->pages.size(), 1u);
  EXPECT_EQ(only->pages[0].id, "P0000000000000002");
  // No such case, or not a case id at all.
  EXPECT_FALSE(read_case_facts(conn_, "C0000000Z"));
  EXPECT_FALSE(read_case_facts(conn_, store::case_key("*")));
  conn_.command({"HSET", store::case_key("C0000000A"), "state", "closed"});
  EXPECT_FALSE(read_case_facts(conn_, "C0000000A")->open);
}

TEST_F(AccessRedisTest, CalendarTokensAreStoredHashedListedCappedAndRevoked) {
  CalendarTokens tokens(conn_);
  const auto a = tokens.create("anna", "anna", kNow);
  ASSERT_TRUE(a);
  EXPECT_TRUE(looks_like_calendar_token(a->token));
  EXPECT_EQ(a->info.id, common::sha256_hex(a->token).substr(0, 12));
  // Only the hash is kept.
  EXPECT_EQ(
      conn_.command({"HGET", store::caltoken_key(common::sha256_hex(a->token)), "person"}).str,
      "anna");
  for (const auto& k : conn_.command({"KEYS", "*"}).elements)
    EXPECT_EQ(k.str.find(a->token), std::string::npos) << k.str;
  const auto found = tokens.find(a->token);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->person, "anna");
  EXPECT_EQ(found->created_at, kNow);
  // Anything else finds nothing: a staff token, a near miss, the id.
  EXPECT_FALSE(tokens.find("staff-token-of-anna"));
  auto near = a->token;
  near.back() = near.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(tokens.find(near));
  EXPECT_FALSE(tokens.find(a->info.id));
  EXPECT_FALSE(tokens.find(""));
  // At most five; listed oldest first, without the token.
  for (int i = 1; i < 5; ++i)
    ASSERT_TRUE(tokens.create("anna", "anna", kNow + std::chrono::minutes{i}));
  EXPECT_FALSE(tokens.create("anna", "anna", kNow + 1h));
  const auto list = tokens.list("anna");
  ASSERT_EQ(list.size(), 5u);
  EXPECT_EQ(list.front().id, a->info.id);
  EXPECT_TRUE(tokens.list("bert").empty());
  // Revoked: gone at once; another's id revokes nothing.
  EXPECT_FALSE(tokens.revoke("bert", a->info.id));
  EXPECT_FALSE(tokens.revoke("anna", "not-an-id"));
  EXPECT_TRUE(tokens.revoke("anna", a->info.id));
  EXPECT_FALSE(tokens.find(a->token));
  EXPECT_FALSE(tokens.revoke("anna", a->info.id));
  EXPECT_EQ(tokens.list("anna").size(), 4u);
  EXPECT_TRUE(tokens.create("anna", "anna", kNow + 2h)) << "room for one again";
}

}  // namespace
}  // namespace piket::access
