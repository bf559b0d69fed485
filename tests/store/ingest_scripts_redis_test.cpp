// ingest's Lua script (store/lua/ingest/ingest_accept.lua) run directly against a real
// redis-server (label redis) as Redis user "ingest", through its typed arguments and reply
// (piket/store/ingest_scripts.hpp): what it writes — its own incident and idempotency key,
// and, through piket-cases' functions, the case, its ban and the deadline engine's resync
// timer, and dispatch's outbox — and what it refuses without writing anything.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "piket/common/redis.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/ingest_scripts.hpp"
#include "piket/store/lua.hpp"
#include "piket/store/outbox.hpp"
#include "private_redis.hpp"

namespace piket::store {
namespace {

namespace json = boost::json;
using common::RedisConnection;
using common::RedisScript;
using Kind = IngestAcceptReply::Kind;

constexpr std::int64_t kAccepted = 1'800'000'000'000;  // domain ms
constexpr std::int64_t kDue = 1'900'000'000'000;       // transport ms
constexpr std::int64_t kDay = 86'400'000;

IngestAcceptArgs incident(const std::string& reference, const std::string& incident_id,
                          const std::string& case_id, const std::string& household = "hh-1") {
  IngestAcceptArgs a;
  a.partner = "police";
  a.reference = reference;
  a.stored_hash = "hash-" + reference;
  a.incident_id = incident_id;
  a.case_id = case_id;
  a.kind = "code_red";
  a.region = "groningen";
  a.household = household;
  a.reported_at_ms = kAccepted - 60'000;
  a.accepted_at_ms = kAccepted;
  a.body = R"({"reference":")" + reference + "\"}";
  a.outbox_due_ms = kDue;
  a.household_link_ms = 730 * kDay;
  return a;
}

IngestAcceptArgs with_ban(IngestAcceptArgs a, const std::string& kind, std::int64_t starts,
                          std::int64_t ends) {
  a.kind = kind;
  a.ban = IngestAcceptArgs::Ban{starts, ends, 60, 60};
  return a;
}

class IngestScriptsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new test::PrivateRedis("piket-ingest-lua"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }
  void SetUp() override { ops_.command({"FLUSHALL"}); }

  IngestAcceptReply accept(const IngestAcceptArgs& a) {
    static const RedisScript script{std::string(lua::ingest_accept())};
    const auto r = IngestAcceptReply::parse(ingest_.eval(script, {}, a.args()).element_strings());
    if (!r) throw std::runtime_error("unexpected reply");
    return *r;
  }
  std::string hget(const std::string& key, const std::string& field) {
    return ops_.command({"HGET", key, field}).str;
  }
  std::vector<std::string> range(const std::string& key) {
    return ops_.command({"LRANGE", key, "0", "-1"}).element_strings();
  }

  static test::PrivateRedis* redis_;
  RedisConnection ops_{redis_->config()};
  RedisConnection ingest_{redis_->config_as("ingest")};
};
test::PrivateRedis* IngestScriptsTest::redis_ = nullptr;

TEST_F(IngestScriptsTest, TheShebangIsTheFirstLineSoAFullRedisRefusesTheWholeScript) {
  EXPECT_EQ(lua::ingest_accept().substr(0, 6), "#!lua\n");
}

// A new household: a new case, the incident in it, the dispatch message and the
// deadline engine's resync timer — all in one step.
TEST_F(IngestScriptsTest, ANewHouseholdOpensACaseAndTellsDispatchAndTheDeadlineEngine) {
  const auto r = accept(incident("R-1", "I1", "C1"));
  ASSERT_EQ(r.kind, Kind::created);
  EXPECT_EQ(r.incident_id, "I1");
  EXPECT_EQ(r.case_id, "C1");
  // The kind, so that dispatch's receiver takes a code red first; the region, so that dispatch
  // reads its on-call people's caseloads with the incident.
  EXPECT_EQ(
      json::parse(r.payload),
      json::parse(R"({"incident_id":"I1","case_id":"C1","kind":"code_red","region":"groningen"})"));

  EXPECT_EQ(ops_.command({"GET", idempotency_key("police", "R-1")}).str, "I1");
  const auto inc = incident_key("I1");
  EXPECT_EQ(hget(inc, "case_id"), "C1");
  EXPECT_EQ(hget(inc, "status"), "accepted");
  EXPECT_EQ(hget(inc, "stored_hash"), "hash-R-1");
  EXPECT_EQ(hget(inc, "new_case"), "1");
  EXPECT_EQ(hget(inc, "accepted_at"), std::to_string(kAccepted));
  EXPECT_EQ(hget(inc, "body"), R"({"reference":"R-1"})");
  EXPECT_TRUE(ops_.command({"HGET", inc, "ban_starts_at"}).is_nil()) << "no ban: no ban fields";

  const auto c = case_key("C1");
  EXPECT_EQ(hget(c, "state"), "open");
  EXPECT_EQ(hget(c, "phase"), "registered");
  EXPECT_EQ(hget(c, "partner"), "police");
  EXPECT_EQ(hget(c, "household"), "hh-1");
  EXPECT_EQ(hget(c, "opened_at"), std::to_string(kAccepted));
  EXPECT_EQ(ops_.command({"GET", household_key("police", "hh-1")}).str, "C1");
  EXPECT_EQ(ops_.command({"SISMEMBER", kCasesOpen, "C1"}).integer, 1);
  EXPECT_EQ(range(case_incidents_key("C1")), std::vector<std::string>{"I1"});
  const auto timeline = range(case_timeline_key("C1"));
  ASSERT_EQ(timeline.size(), 1u);
  EXPECT_EQ(json::parse(timeline[0]),
            json::parse(R"({"at":1800000000000,"type":"incident_accepted","incident":"I1",)"
                        R"("kind":"code_red","by":"partner:police"})"));

  EXPECT_EQ(ops_.command({"ZSCORE", outbox_due_key("dispatch"), "I1"}).str, std::to_string(kDue));
  EXPECT_EQ(hget(outbox_data_key("dispatch"), "I1"), r.payload);
  EXPECT_EQ(ops_.command({"ZSCORE", kDeadlinesDue, "C1|resync"}).str, std::to_string(kAccepted));
}

TEST_F(IngestScriptsTest, TheSameReferenceIsReplayedOrAConflictOrALegacyRecordWritingNothing) {
  ASSERT_EQ(accept(incident("R-1", "I1", "C1")).kind, Kind::created);
  const auto keys = test::all_keys(ops_);

  const auto replay = accept(incident("R-1", "I2", "C2"));
  EXPECT_EQ(replay.kind, Kind::replayed);
  EXPECT_EQ(replay.incident_id, "I1");
  EXPECT_EQ(replay.case_id, "C1");

  auto changed = incident("R-1", "I2", "C2");
  changed.stored_hash = "another";
  const auto conflict = accept(changed);
  EXPECT_EQ(conflict.kind, Kind::conflict);
  EXPECT_EQ(conflict.incident_id, "I1");
  EXPECT_EQ(conflict.case_id, "C1");

  // Stored before stored_hash existed: the caller compares the stored body.
  ops_.command({"HDEL", incident_key("I1"), "stored_hash"});
  const auto legacy = accept(incident("R-1", "I2", "C2"));
  EXPECT_EQ(legacy.kind, Kind::legacy);
  EXPECT_EQ(legacy.incident_id, "I1");
  EXPECT_EQ(legacy.legacy_body, R"({"reference":"R-1"})");

  EXPECT_EQ(test::all_keys(ops_), keys);
  EXPECT_EQ(range(case_incidents_key("C1")).size(), 1u);
  EXPECT_EQ(ops_.command({"ZCARD", outbox_due_key("dispatch")}).integer, 1);
}

TEST_F(IngestScriptsTest, ATakenIncidentOrCaseIdIsACollisionWithNothingWritten) {
  ops_.command({"HSET", incident_key("I1"), "partner", "other"});
  ops_.command({"HSET", case_key("C1"), "state", "open"});
  const auto keys = test::all_keys(ops_);
  EXPECT_EQ(accept(incident("R-1", "I1", "C9")).kind, Kind::collision);
  EXPECT_EQ(accept(incident("R-1", "I2", "C1")).kind, Kind::collision);
  EXPECT_EQ(test::all_keys(ops_), keys);
  EXPECT_EQ(accept(incident("R-1", "I2", "C2")).kind, Kind::created);
}

// The household's case, followed through a join: the incident joins the survivor.
TEST_F(IngestScriptsTest, AnOpenCaseOfTheHouseholdIsJoinedThroughAMerge) {
  ASSERT_EQ(accept(incident("R-1", "I1", "C1")).kind, Kind::created);
  ops_.command({"HSET", case_key("C1"), "state", "merged", "merged_into", "C0"});
  ops_.command({"HSET", case_key("C0"), "state", "open"});
  const auto r = accept(incident("R-2", "I2", "C2"));
  ASSERT_EQ(r.kind, Kind::created);
  EXPECT_EQ(r.case_id, "C0");
  EXPECT_EQ(hget(incident_key("I2"), "new_case"), "0");
  EXPECT_EQ(range(case_incidents_key("C0")), std::vector<std::string>{"I2"});
  EXPECT_EQ(ops_.command({"EXISTS", case_key("C2")}).integer, 0);
  EXPECT_EQ(ops_.command({"ZSCORE", kDeadlinesDue, "C0|resync"}).str, std::to_string(kAccepted));
}

// A family back after its case closed: a new case linked to the earlier one.
TEST_F(IngestScriptsTest, AReturningFamilyGetsANewCaseLinkedToItsEarlierCase) {
  ASSERT_EQ(accept(incident("R-1", "I1", "C1")).kind, Kind::created);
  ops_.command({"HSET", case_key("C1"), "state", "closed", "casemanager", "icm-3", "closed_at",
                std::to_string(kAccepted + 10 * kDay), "previous_cases", "C0"});
  auto back = incident("R-2", "I2", "C2");
  back.accepted_at_ms = kAccepted + 40 * kDay;
  const auto r = accept(back);
  ASSERT_EQ(r.kind, Kind::created);
  EXPECT_EQ(r.case_id, "C2");
  const auto c = case_key("C2");
  EXPECT_EQ(hget(c, "previous_case"), "C1");
  EXPECT_EQ(hget(c, "previous_cases"), "C1 C0");
  EXPECT_EQ(hget(c, "previous_casemanager"), "icm-3");
  EXPECT_EQ(hget(c, "returned_after_ms"), std::to_string(30 * kDay));
  EXPECT_EQ(hget(case_key("C1"), "next_case"), "C2");
  EXPECT_EQ(ops_.command({"ZSCORE", returns_key("groningen"), "C2"}).str,
            std::to_string(kAccepted + 40 * kDay));
  EXPECT_EQ(json::parse(range(case_timeline_key("C2")).at(0)).at("previous_case").as_string(),
            "C1");

  // After the link has lapsed: a case of its own, unlinked.
  ops_.command({"HSET", c, "state", "closed", "closed_at", std::to_string(kAccepted + 41 * kDay)});
  auto late = incident("R-3", "I3", "C3");
  late.accepted_at_ms = kAccepted + 41 * kDay + late.household_link_ms + 1;
  ASSERT_EQ(accept(late).kind, Kind::created);
  EXPECT_TRUE(ops_.command({"HGET", case_key("C3"), "previous_case"}).is_nil());
}

// The home ban: applied to the case, recorded on the incident, refused whole
// when it breaks the rule.
TEST_F(IngestScriptsTest, TheHomeBanIsKeptOnTheCaseAndARefusalWritesNothing) {
  const std::int64_t start = kAccepted - 3600'000;
  const auto r =
      accept(with_ban(incident("R-1", "I1", "C1"), "home_ban", start, start + 10 * kDay));
  ASSERT_EQ(r.kind, Kind::created);
  EXPECT_EQ(hget(case_key("C1"), "ban_first_start"), std::to_string(start));
  EXPECT_EQ(hget(case_key("C1"), "ban_end"), std::to_string(start + 10 * kDay));
  EXPECT_EQ(hget(case_key("C1"), "ban_state"), "in_force");
  EXPECT_EQ(range(case_ban_key("C1")).size(), 1u);
  EXPECT_EQ(hget(incident_key("I1"), "ban_starts_at"), std::to_string(start));
  EXPECT_EQ(hget(incident_key("I1"), "ban_ends_off"), "60");

  // An extension past 28 days from the first start: refused, nothing written.
  const auto keys = test::all_keys(ops_);
  const auto too_long = accept(with_ban(incident("R-2", "I2", "C2"), "home_ban_extended",
                                        start + 9 * kDay, start + 29 * kDay));
  EXPECT_EQ(too_long.kind, Kind::refused);
  EXPECT_EQ(too_long.refusal_code, "ban_total_too_long");
  EXPECT_EQ(too_long.refusal_field, "home_ban.ends_at");
  ASSERT_TRUE(too_long.ban_first_start_ms);
  EXPECT_EQ(*too_long.ban_first_start_ms, start);
  // An extension of a household without a ban in force.
  const auto none = accept(
      with_ban(incident("R-3", "I3", "C3", "hh-2"), "home_ban_extended", start, start + 5 * kDay));
  EXPECT_EQ(none.kind, Kind::refused);
  EXPECT_EQ(none.refusal_code, "no_ban_in_force");
  EXPECT_EQ(none.refusal_field, "kind");
  EXPECT_FALSE(none.ban_first_start_ms);
  EXPECT_EQ(test::all_keys(ops_), keys);
}

}  // namespace
}  // namespace piket::store
