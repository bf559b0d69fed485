// The family contact channel's scripts (issue 18) against a real redis-server
// (label redis), each as the Redis user of the service that runs it: the index
// of the persons' numbers written by ingest's acceptance script
// (lib/family_phone_index.lua, as "ingest"), the family's message stored and
// answered by inbound_family_message.lua (as "inbound"), a family page's answer
// waking the router (inbound_page_answer.lua, as "inbound") and the routing's
// steps with the "received" answer (dispatch_family_step.lua, as "dispatch").
// Arguments and replies go through piket/store/family_contact.hpp.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "piket/common/phone_number.hpp"
#include "piket/common/redis.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/family_contact.hpp"
#include "piket/store/ingest_scripts.hpp"
#include "piket/store/lua.hpp"
#include "piket/store/outbox.hpp"
#include "piket/store/page.hpp"
#include "piket/store/page_answer.hpp"
#include "scripts_fixture.hpp"

namespace piket::store {
namespace {

using common::RedisConnection;
using common::RedisScript;
using Kind = FamilyMessageReply::Kind;
using Answer = FamilyMessageReply::Answer;

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
    a.reply_page_id = last_answer_ = answer_id(++answers_);
    a.number = *common::normalise_phone(number);
    a.text_own = "OWN";
    a.text_duty = "DUTY";
    a.replies_max = 4;
    a.unrouted_replies_max = 6;
    a.outbox_due_ms = 77;
    a.repeat_window_ms = 60'000;
    a.sender_ttl_ms = 100'000;
    const auto r = FamilyMessageReply::parse(inbound_.eval(script, {}, a.args()).element_strings());
    if (!r) throw std::runtime_error("unexpected reply");
    return *r;
  }
  static std::string answer_id(int n) {
    const auto d = std::to_string(n);
    return "PA" + std::string(15 - d.size(), '0') + d;
  }
  // An answer's page: to the number, information, no person, no case.
  void expect_answer_page(const std::string& id, const std::string& number,
                          const std::string& text) {
    const auto p = page_key(id);
    EXPECT_EQ(hget(p, "to"), number);
    EXPECT_EQ(hget(p, "text"), text);
    EXPECT_EQ(hget(p, "rule"), "family_reply");
    EXPECT_EQ(hget(p, "info"), "1");
    EXPECT_EQ(hget(p, "person"), "");
    EXPECT_EQ(hget(p, "case"), "");
    EXPECT_FALSE(hexists(p, "ack_code"));
  }
  // The last message's answer, in notify's outbox at once.
  void expect_answer(const std::string& number, const std::string& text) {
    expect_answer_page(last_answer_, number, text);
    EXPECT_EQ(zscore(outbox_due_key("notify"), last_answer_), "77");
  }
  std::vector<std::string> keys() { return ops_.command({"KEYS", "*"}).element_strings(); }

  RedisConnection ingest_{redis_->config_as("ingest")};
  RedisConnection inbound_{redis_->config_as("inbound")};
  int answers_ = 0;
  std::string last_answer_;
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
  // Answered by an SMS of its own ("your casemanager"), through notify's outbox; the
  // number kept once for the "received" answer; the router woken.
  EXPECT_EQ(r.answer, Answer::own);
  EXPECT_NE(r.payload.find(last_answer_), std::string::npos);
  expect_answer(kVictim, "OWN");
  EXPECT_EQ(hget(family_sender_key(last_answer_), "to"), kVictim);
  EXPECT_GT(ops_.command({"PTTL", family_sender_key(last_answer_)}).integer, 0);
  EXPECT_EQ(hget(family_route_key(c, "F1"), "sender"), last_answer_);
  EXPECT_EQ(zscore(outbox_due_key("escalation"), "family:" + last_answer_), "77");
}

// While the casemanager is absent (or none is assigned) the family hears of
// the casemanager on duty.
TEST_F(FamilyScriptsTest, AnAbsentCasemanagerIsNotOwn) {
  const auto c = accept("1");
  ops_.command({"HSET", case_key(c), "casemanager", "anna"});
  ops_.command({"HSET", person_absence_key("anna"), "since", std::to_string(kAccepted)});
  const auto absent = message(kVictim, "hallo");
  EXPECT_FALSE(absent.stored.at(0).own);
  EXPECT_EQ(absent.answer, Answer::duty);
  expect_answer(kVictim, "DUTY");
  ops_.command({"HSET", person_absence_key("anna"), "until", std::to_string(kAccepted + 500)});
  const auto back = message(kVictim, "hallo weer");
  EXPECT_TRUE(back.stored.at(0).own);
  EXPECT_EQ(back.answer, Answer::own);
}

// A number of no open case: nothing is stored, not routed; it gets the "on
// duty" answer (byte for byte a known number's), and only the answer's page,
// its outbox entry and the answers' counters are written.
TEST_F(FamilyScriptsTest, AnUnknownNumberStoresNothingAndGetsTheDutyAnswer) {
  accept("1");
  const auto before = keys();
  const auto r = message("+31600000009", "wie is dit");
  EXPECT_EQ(r.kind, Kind::unknown);
  EXPECT_EQ(r.answer, Answer::duty);
  expect_answer("+31600000009", "DUTY");
  std::vector<std::string> added;
  for (const auto& k : keys())
    if (std::find(before.begin(), before.end(), k) == before.end()) added.push_back(k);
  std::sort(added.begin(), added.end());
  EXPECT_EQ(added,
            (std::vector<std::string>{
                family_replies_key(h("+31600000009")), std::string(kFamilyRepliesUnrouted),
                outbox_data_key("notify"), outbox_due_key("notify"), page_key(last_answer_)}));
}

// The perpetrator's number is routed like any other; it hears the "on duty"
// answer, and its number is not kept: no "received" answer ever goes to it.
TEST_F(FamilyScriptsTest, APerpetratorsMessageIsStoredWithTheRoleAndItsNumberNotKept) {
  const auto c = accept("1");
  ops_.command({"HSET", case_key(c), "casemanager", "anna"});
  const auto r = message(kPerpetrator, "ik wil praten");
  ASSERT_EQ(r.kind, Kind::stored);
  EXPECT_EQ(r.stored.at(0).from, "perpetrator");
  EXPECT_EQ(r.answer, Answer::duty);
  expect_answer(kPerpetrator, "DUTY");
  EXPECT_FALSE(exists(family_sender_key(last_answer_)));
  EXPECT_FALSE(hexists(family_route_key(c, "F1"), "sender"));
}

// Kannel's retry of one SMS after a lost response: stored once, answered once.
// The same text later (after the window) or another text is a new message.
TEST_F(FamilyScriptsTest, ARepeatedDeliveryWithinTheWindowIsStoredAndAnsweredOnce) {
  const auto c = accept("1");
  ASSERT_EQ(message(kVictim, "bel mij").kind, Kind::stored);
  const auto before = keys();
  const auto timeline_length = timeline(c).size();
  const auto r = message(kVictim, "bel mij");
  EXPECT_EQ(r.kind, Kind::repeat);
  EXPECT_EQ(r.answer, Answer::none);
  EXPECT_EQ(keys(), before);
  EXPECT_EQ(timeline(c).size(), timeline_length);
  EXPECT_EQ(hget(case_family_key(c), "seq"), "1");
  EXPECT_EQ(message(kVictim, "bel mij", true).kind, Kind::stored);  // urgent: another
  EXPECT_EQ(message(kVictim, "nog iets").kind, Kind::stored);
  // Each window's key expires (here: taken away); then the same text is new (a 4th: limited).
  const auto seen = ops_.command({"KEYS", family_seen_key("*")}).element_strings();
  ASSERT_EQ(seen.size(), 3u);
  for (const auto& k : seen) {
    const auto ttl = ops_.command({"PTTL", k}).integer;
    EXPECT_TRUE(ttl > 0 && ttl <= 60'000) << ttl;
    ops_.command({"DEL", k});
  }
  EXPECT_EQ(message(kVictim, "bel mij").kind, Kind::limited);
}

// Answers per number are bounded (replies_max in the window), and to numbers of
// no open case all together too (unrouted_replies_max): then suppressed, and the
// suppressed ones write no page.
TEST_F(FamilyScriptsTest, TheAnswersAreBoundedPerNumberAndForUnknownNumbersAltogether) {
  accept("1");
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(message(kVictim, "m" + std::to_string(i)).answer, Answer::duty);
  EXPECT_EQ(message(kVictim, "m3").answer, Answer::duty);  // limited, answered: the 4th
  const auto over = message(kVictim, "m4");
  EXPECT_EQ(over.kind, Kind::limited);
  EXPECT_EQ(over.answer, Answer::suppressed);
  EXPECT_TRUE(over.payload.empty());
  EXPECT_FALSE(exists(page_key(last_answer_)));
  // One unknown number: 4 answers (its own bound), the 5th not, and that one
  // does not spend the shared count (6): two more numbers are answered.
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(message("+31600000010", "x" + std::to_string(i)).answer, Answer::duty) << i;
  EXPECT_EQ(message("+31600000010", "x4").answer, Answer::suppressed);
  EXPECT_EQ(message("+31600000011", "x").answer, Answer::duty);
  EXPECT_EQ(message("+31600000012", "x").answer, Answer::duty);
  EXPECT_EQ(hget(std::string(kFamilyRepliesUnrouted), "n"), "6");
  EXPECT_EQ(message("+31600000019", "x").answer, Answer::suppressed);
  EXPECT_FALSE(exists(page_key(last_answer_)));
  EXPECT_FALSE(exists(family_replies_key(h("+31600000019"))));  // nothing kept per number
  EXPECT_GT(ops_.command({"PTTL", std::string(kFamilyRepliesUnrouted)}).integer, 0);
}

// Per number: rate_max messages per window, then nothing more is stored;
// per case: case_max messages, then none (the reply names no message).
TEST_F(FamilyScriptsTest, TheRatePerNumberAndTheMessagesPerCaseAreBounded) {
  const auto c = accept("1");
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(message(kVictim, "m" + std::to_string(i)).kind, Kind::stored);
  EXPECT_EQ(message(kVictim, "m").kind, Kind::limited);
  EXPECT_GT(ops_.command({"PTTL", family_rate_key(h(kVictim))}).integer, 0);
  EXPECT_EQ(message(kPerpetrator, "p").stored.at(0).message_id, "F4");
  EXPECT_EQ(message(kPerpetrator, "q").stored.at(0).message_id, "");  // the case holds 4
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
// lead's, once; the page's acknowledgement (inbound_page_answer.lua) wakes the
// router at once; the acknowledgement step closes the route and its timer and
// sends the "received" answer to the number that wrote, once.
TEST_F(FamilyScriptsTest, AStepPagesOnceAndAnAcknowledgementClosesTheRouteAndAnswersOnce) {
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
  // anna acknowledges by SMS: the router's next step is now, and it is woken.
  static const RedisScript answer{std::string(lua::inbound_page_answer())};
  PageAnswerArgs pa;
  pa.person = "anna";
  pa.ack_code = "123456";
  pa.answer = "acknowledge";
  pa.via = "sms";
  pa.domain_now_ms = kAccepted + 5000;
  pa.outbox_due_ms = 88;
  pa.push_stream_cap = 100;
  pa.lock_ms = 60'000;
  EXPECT_EQ(parse_page_answer_reply(inbound_.eval(answer, {}, pa.argv()).element_strings()).outcome,
            "acknowledged");
  EXPECT_EQ(zscore(kFamilyDue, c + "|F1"), std::to_string(kAccepted + 5000));
  EXPECT_EQ(zscore(outbox_due_key("escalation"), "family:P0000000000000001:answered"), "88");
  // Acknowledged: recorded with who, the timer gone; later steps change nothing.
  const auto sender = hget(family_route_key(c, "F1"), "sender");
  ASSERT_FALSE(sender.empty());
  FamilyStepArgs ack = a;
  ack.action = "acknowledged";
  ack.next_ms.reset();
  ack.acknowledged_by = "anna";
  ack.acknowledged_at_ms = kAccepted + 5000;
  ack.received_page_id = "P0000000000000009";
  ack.received_text = "ONTVANGEN";
  const auto acked = run(ack);
  EXPECT_EQ(acked.kind, FamilyStepReply::Kind::done);
  EXPECT_NE(acked.payload.find("P0000000000000009"), std::string::npos);
  EXPECT_EQ(hget(family_route_key(c, "F1"), "state"), "acknowledged");
  EXPECT_EQ(hget(family_route_key(c, "F1"), "acknowledged_by"), "anna");
  EXPECT_FALSE(zscore(kFamilyDue, c + "|F1"));
  const auto last = timeline(c).back();
  EXPECT_EQ(last.at("type").as_string(), "family_message_acknowledged");
  EXPECT_EQ(last.at("by").as_string(), "anna");
  EXPECT_EQ(last.at("received_page").as_string(), "P0000000000000009");
  // The "received" answer: to the number that wrote, information, no person; the
  // number no longer kept.
  expect_answer_page("P0000000000000009", kVictim, "ONTVANGEN");
  EXPECT_FALSE(exists(family_sender_key(sender)));
  EXPECT_FALSE(hexists(family_route_key(c, "F1"), "sender"));
  // Another route of the same SMS (another case of the number), acknowledged
  // later: no second answer.
  ops_.command({"HSET", family_route_key(c, "F7"), "state", "open", "sender", sender});
  FamilyStepArgs other = ack;
  other.message_id = "F7";
  other.received_page_id = "P0000000000000010";
  EXPECT_EQ(run(other).kind, FamilyStepReply::Kind::done);
  EXPECT_FALSE(exists(page_key("P0000000000000010")));
  EXPECT_EQ(timeline(c).back().at("received_page").as_string(), "");
  FamilyStepArgs tl = a;
  tl.action = "team_lead";
  tl.page_id = "P0000000000000003";
  EXPECT_EQ(run(tl).kind, FamilyStepReply::Kind::closed);
  EXPECT_FALSE(exists(page_key("P0000000000000003")));
}

}  // namespace
}  // namespace piket::store
