// The family contact channel's scripts (issue 18) against a real redis-server
// (label redis), each as the Redis user of the service that runs it: the index
// of the persons' numbers written by ingest's acceptance script
// (lib/family_phone_index.lua, as "ingest") and the family's message stored by
// inbound_family_message.lua (as "inbound"). Arguments and replies go through
// piket/store/family_contact.hpp.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "piket/common/phone_number.hpp"
#include "piket/common/redis.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/family_contact.hpp"
#include "piket/store/ingest_scripts.hpp"
#include "piket/store/lua.hpp"
#include "piket/store/page.hpp"
#include "scripts_fixture.hpp"

namespace piket::store {
namespace {

using common::RedisConnection;
using common::RedisScript;
using Kind = FamilyMessageReply::Kind;

constexpr std::int64_t kAccepted = 1'800'000'000'000;  // domain ms
const std::string kVictim = "+31612345678";
const std::string kPerpetrator = "+31687654321";

std::string h(const std::string& number) {
  return common::phone_key_hash(*common::normalise_phone(number));
}

class FamilyScriptsTest : public test::ScriptsFixture<FamilyScriptsTest> {
 public:
  static constexpr const char* kServer = "piket-family-scripts";

 protected:
  // An incident for household hh with the victim's and the perpetrator's numbers.
  std::string accept(const std::string& reference, const std::string& household = "hh-1") {
    static const RedisScript script{std::string(lua::ingest_accept())};
    IngestAcceptArgs a;
    a.partner = "police";
    a.reference = reference;
    a.stored_hash = "hash-" + reference;
    a.incident_id = "I" + std::string(16 - reference.size(), '0') + reference;
    a.case_id = "C" + std::string(8 - reference.size(), '0') + reference;
    a.kind = "code_red";
    a.region = "groningen";
    a.household = household;
    a.reported_at_ms = kAccepted;
    a.accepted_at_ms = kAccepted;
    a.body = "{}";
    a.outbox_due_ms = kAccepted;
    a.household_link_ms = 1;
    a.family_phones = family_phones_arg({{h(kVictim), "victim"}, {h(kPerpetrator), "perpetrator"}});
    const auto r = IngestAcceptReply::parse(ingest_.eval(script, {}, a.args()).element_strings());
    EXPECT_TRUE(r && r->kind == IngestAcceptReply::Kind::created);
    return r ? r->case_id : "";
  }
  FamilyMessageReply message(const std::string& number, const std::string& text,
                             bool urgent = false, std::int64_t at = kAccepted + 1000) {
    static const RedisScript script{std::string(lua::inbound_family_message())};
    FamilyMessageArgs a;
    a.phone_hash = h(number);
    a.now_ms = at;
    a.text = text;
    a.urgent = urgent;
    a.rate_max = 3;
    a.case_max = 4;
    const auto r = FamilyMessageReply::parse(inbound_.eval(script, {}, a.args()).element_strings());
    if (!r) throw std::runtime_error("unexpected reply");
    return *r;
  }
  std::vector<std::string> keys() { return ops_.command({"KEYS", "*"}).element_strings(); }

  RedisConnection ingest_{redis_->config_as("ingest")};
  RedisConnection inbound_{redis_->config_as("inbound")};
};

TEST_F(FamilyScriptsTest, TheShebangIsTheFirstLine) {
  EXPECT_EQ(lua::inbound_family_message().substr(0, 6), "#!lua\n");
}

// Ingest indexes the persons' numbers with the incident: by a hash, never the number.
TEST_F(FamilyScriptsTest, AnAcceptedIncidentIndexesItsPersonsNumbersByHash) {
  const auto c = accept("1");
  EXPECT_EQ(hget(family_phone_key(h(kVictim)), c), "victim");
  EXPECT_EQ(hget(family_phone_key(h(kPerpetrator)), c), "perpetrator");
  for (const auto& k : keys()) {
    EXPECT_EQ(k.find("612345678"), std::string::npos) << k;
    EXPECT_EQ(k.find("687654321"), std::string::npos) << k;
  }
}

// A message from a number of an open case: stored in the case, its timeline
// names it without the text, its routing starts (family:due).
TEST_F(FamilyScriptsTest, AMessageIsStoredInTheCaseAndItsTimelineEntryHoldsNoText) {
  const auto c = accept("1");
  ops_.command({"HSET", case_key(c), "casemanager", "anna"});
  const auto r = message("06-12345678", "Bel mij terug aub", true);
  ASSERT_EQ(r.kind, Kind::stored);
  ASSERT_EQ(r.stored.size(), 1u);
  EXPECT_EQ(r.stored[0].case_id, c);
  EXPECT_EQ(r.stored[0].message_id, "F1");
  EXPECT_EQ(r.stored[0].from, "victim");
  EXPECT_TRUE(r.stored[0].own);
  const auto m = boost::json::parse(hget(case_family_key(c), "F1")).as_object();
  EXPECT_EQ(m.at("text").as_string(), "Bel mij terug aub");
  EXPECT_TRUE(m.at("urgent").as_bool());
  EXPECT_EQ(m.at("from").as_string(), "victim");
  EXPECT_EQ(m.at("state").as_string(), "open");
  const auto t = timeline(c);
  ASSERT_FALSE(t.empty());
  const auto& e = t.back();
  EXPECT_EQ(e.at("type").as_string(), "family_message");
  EXPECT_EQ(e.at("message").as_string(), "F1");
  EXPECT_EQ(boost::json::serialize(e).find("Bel mij"), std::string::npos);
  EXPECT_EQ(zscore(kFamilyDue, c + "|F1"), std::to_string(kAccepted + 1000));
}

// While the casemanager is absent (or none is assigned) the family hears of
// the casemanager on duty.
TEST_F(FamilyScriptsTest, AnAbsentCasemanagerIsNotOwn) {
  const auto c = accept("1");
  ops_.command({"HSET", case_key(c), "casemanager", "anna"});
  ops_.command({"HSET", person_absence_key("anna"), "since", std::to_string(kAccepted)});
  EXPECT_FALSE(message(kVictim, "hallo").stored.at(0).own);
  ops_.command({"HSET", person_absence_key("anna"), "until", std::to_string(kAccepted + 500)});
  EXPECT_TRUE(message(kVictim, "hallo").stored.at(0).own);
}

// A number of no open case: nothing is stored or counted in Redis.
TEST_F(FamilyScriptsTest, AnUnknownNumberStoresNothing) {
  accept("1");
  const auto before = keys();
  const auto r = message("+31600000009", "wie is dit");
  EXPECT_EQ(r.kind, Kind::unknown);
  EXPECT_EQ(keys().size(), before.size());
}

// The perpetrator's number is routed like any other; the role tells the
// caller to answer nothing about the case.
TEST_F(FamilyScriptsTest, APerpetratorsMessageIsStoredWithTheRole) {
  accept("1");
  const auto r = message(kPerpetrator, "ik wil praten");
  ASSERT_EQ(r.kind, Kind::stored);
  EXPECT_EQ(r.stored.at(0).from, "perpetrator");
}

// Per number: rate_max messages per window, then nothing more is stored;
// per case: case_max messages, then none (the reply names no message).
TEST_F(FamilyScriptsTest, TheRatePerNumberAndTheMessagesPerCaseAreBounded) {
  const auto c = accept("1");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(message(kVictim, "m").kind, Kind::stored);
  EXPECT_EQ(message(kVictim, "m").kind, Kind::limited);
  EXPECT_GT(ops_.command({"PTTL", family_rate_key(h(kVictim))}).integer, 0);
  EXPECT_EQ(message(kPerpetrator, "p").stored.at(0).message_id, "F4");
  EXPECT_EQ(message(kPerpetrator, "p").stored.at(0).message_id, "");  // the case holds 4
  EXPECT_EQ(hget(case_family_key(c), "seq"), "4");
}

// A joined case's entry is followed to the survivor; a closed case's (and one
// whose survivor closed) is dropped.
TEST_F(FamilyScriptsTest, AClosedCaseIsDroppedAndAJoinedOneFollowed) {
  const auto c1 = accept("1");
  const auto c2 = accept("2", "hh-2");
  ops_.command({"HSET", case_key(c1), "state", "merged", "merged_into", c2});
  auto r = message(kVictim, "een");
  ASSERT_EQ(r.kind, Kind::stored);
  ASSERT_EQ(r.stored.size(), 1u);  // both entries lead to c2: one message
  EXPECT_EQ(r.stored[0].case_id, c2);
  ops_.command({"HSET", case_key(c2), "state", "closed"});
  EXPECT_EQ(message(kVictim, "twee").kind, Kind::unknown);
  EXPECT_EQ(ops_.command({"HEXISTS", family_phone_key(h(kVictim)), c2}).integer, 0);
  EXPECT_EQ(ops_.command({"HEXISTS", family_phone_key(h(kVictim)), c1}).integer, 0);
}

// dispatch_family_step.lua (as "dispatch"): the first page, once; the team
// lead's, once; an acknowledgement closes the route and its timer.
TEST_F(FamilyScriptsTest, AStepPagesOnceAndAnAcknowledgementClosesTheRoute) {
  static const RedisScript step{std::string(lua::dispatch_family_step())};
  RedisConnection dispatch{redis_->config_as("dispatch")};
  const auto c = accept("1");
  ASSERT_EQ(message(kVictim, "hallo").kind, Kind::stored);
  FamilyStepArgs a;
  a.case_id = c;
  a.message_id = "F1";
  a.action = "page";
  a.now_ms = kAccepted + 2000;
  a.next_ms = kAccepted + 62000;
  a.person = "anna";
  a.page_id = "P0000000000000001";
  a.reply_code = "123456";
  a.phone = "+447700900001";
  a.text =
      "piket BERICHT GEZIN zaak " + c + ". Lees het in de app. Antwoord 123456 om aan te nemen.";
  a.rule = "family_message";
  a.code_ttl_ms = 3600000;
  a.deadline_ms = kAccepted + 3600000;
  a.brief = "BERICHT GEZIN " + c;
  a.rank = 30;
  const auto run = [&](const FamilyStepArgs& x) {
    const auto r = FamilyStepReply::parse(dispatch.eval(step, {}, x.args()).element_strings());
    if (!r) throw std::runtime_error("unexpected reply");
    return *r;
  };
  const auto first = run(a);
  ASSERT_EQ(first.kind, FamilyStepReply::Kind::done);
  EXPECT_NE(first.payload.find(a.page_id), std::string::npos);
  EXPECT_EQ(hget(page_key(a.page_id), "person"), "anna");
  EXPECT_EQ(hget(page_key(a.page_id), "case"), c);
  EXPECT_EQ(hget(page_key(a.page_id), "step"), "family|F1|page");
  EXPECT_EQ(hget(family_route_key(c, "F1"), "person"), "anna");
  EXPECT_EQ(hget(family_route_key(c, "F1"), "deadline"), std::to_string(kAccepted + 3600000));
  EXPECT_EQ(zscore(kFamilyDue, c + "|F1"), std::to_string(kAccepted + 62000));
  EXPECT_EQ(timeline(c).back().at("type").as_string(), "family_message_paged");
  // The same step again (another dispatch instance): nothing more.
  a.page_id = "P0000000000000002";
  a.reply_code = "654321";
  EXPECT_EQ(run(a).kind, FamilyStepReply::Kind::duplicate);
  EXPECT_FALSE(exists(page_key("P0000000000000002")));
  // Acknowledged: recorded with who, the timer gone; later steps change nothing.
  FamilyStepArgs ack = a;
  ack.action = "acknowledged";
  ack.next_ms.reset();
  ack.acknowledged_by = "anna";
  ack.acknowledged_at_ms = kAccepted + 5000;
  EXPECT_EQ(run(ack).kind, FamilyStepReply::Kind::done);
  EXPECT_EQ(hget(family_route_key(c, "F1"), "state"), "acknowledged");
  EXPECT_EQ(hget(family_route_key(c, "F1"), "acknowledged_by"), "anna");
  EXPECT_FALSE(zscore(kFamilyDue, c + "|F1"));
  const auto last = timeline(c).back();
  EXPECT_EQ(last.at("type").as_string(), "family_message_acknowledged");
  EXPECT_EQ(last.at("by").as_string(), "anna");
  FamilyStepArgs tl = a;
  tl.action = "team_lead";
  tl.page_id = "P0000000000000003";
  EXPECT_EQ(run(tl).kind, FamilyStepReply::Kind::closed);
  EXPECT_FALSE(exists(page_key("P0000000000000003")));
}

}  // namespace
}  // namespace piket::store
