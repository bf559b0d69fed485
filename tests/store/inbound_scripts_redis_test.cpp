// Inbound's Lua scripts (store/lua/inbound/*.lua) and its lib file
// (store/lua/lib/inbound_dlr.lua), each run directly against a real
// redis-server (label redis) as the Redis user of the service that runs it:
// "inbound", and "web" for the answer script (piket-web answers pages
// in-process). The answer's arguments and reply go through
// piket/store/page_answer.hpp.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "piket/common/redis.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/delivery.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/lua.hpp"
#include "piket/store/outbox.hpp"
#include "piket/store/page.hpp"
#include "piket/store/page_answer.hpp"
#include "private_redis.hpp"
#include "scripts_fixture.hpp"

namespace piket::store {
namespace {

namespace json = boost::json;
using common::RedisConnection;
using common::RedisReply;
using common::RedisScript;

const RedisScript kAnswer{std::string(lua::inbound_page_answer())};
const RedisScript kReports{std::string(lua::inbound_delivery_reports())};

const std::string kPage = "P0123456789ABCDEF";
const std::string kPage2 = "P0123456789ABCDEG";
const std::string kOther = "PZZZZZZZZZZZZZZZZ";  // bert's page for the same incident
const std::string kCase = "C12345678";
const std::string kIncident = "I0123456789ABCDEF";
const std::string kCode = "123456";
const long long kNow = 1795870800000;        // domain ms
const long long kTransport = 1924992000000;  // transport ms
const long long kLock = 15 * 60 * 1000;

using test::n;

// inbound_delivery_reports with one report: its {page, outcome, …} pairs, flat.
std::vector<std::string> report_one(RedisConnection& c, const std::string& bundle,
                                    const std::string& page, const std::string& type,
                                    const std::string& now) {
  const auto r = c.eval(kReports, {}, {now, bundle, page, type});
  if (r.elements.size() != 1) throw std::runtime_error("not one array per report");
  return r.elements[0].element_strings();
}
// One page's SMS: its outcome.
std::string report(RedisConnection& c, const std::string& page, const std::string& type,
                   const std::string& now) {
  const auto r = report_one(c, "", page, type, now);
  if (r.size() != 2 || r[0] != page) throw std::runtime_error("not {page, outcome}");
  return r[1];
}

class InboundScriptsTest : public test::ScriptsFixture<InboundScriptsTest> {
 public:
  static constexpr const char* kServer = "piket-inbound-scripts";

 protected:
  // A page sent to `person` for the incident, with its reply code, its
  // deliveries (sms accepted, push as given) and its place in the incident.
  void seed_page(const std::string& id, const std::string& person, const std::string& code,
                 std::string_view push_state = "scheduled") {
    ops_.command({"HSET", page_key(id), "incident", kIncident, "case", kCase, "person", person,
                  "ack_code", code, "state", "accepted", "channels", "sms,push", "rev", "2",
                  "code_until", n(kNow + 3600000)});
    ops_.command({"SET", ackcode_key(person, code), id});
    ops_.command({"HSET", delivery_key(id, "sms"), "state", "accepted"});
    ops_.command({"HSET", delivery_key(id, "push"), "state", push_state});
    if (push_state == "queued") ops_.command({"ZADD", kNotifyQueue, "1", id + ":push"});
    ops_.command({"ZADD", kNotifyTimers, "1", id});
    ops_.command({"SADD", incident_pages_key(kIncident), id});
  }
  void seed_incident() {
    ops_.command({"HSET", incident_key(kIncident), "status", "dispatched", "case_id", kCase});
  }
  PageAnswerArgs by_code(const std::string& person, const std::string& code,
                         std::string answer = "acknowledge") {
    PageAnswerArgs a;
    a.person = person;
    a.ack_code = code;
    a.answer = std::move(answer);
    a.via = "sms";
    a.domain_now_ms = kNow;
    a.outbox_due_ms = kTransport;
    a.push_stream_cap = 100;
    a.via_ref = "…001";
    a.max_wrong_codes = 3;
    a.lock_ms = kLock;
    a.number_guard = "ab12cd34ab12cd34";
    return a;
  }
  PageAnswerReply answer(RedisConnection& as, const PageAnswerArgs& a) {
    return parse_page_answer_reply(as.eval(kAnswer, {}, a.argv()).element_strings());
  }
  std::vector<std::vector<std::string>> push_entries(const std::string& person) {
    std::vector<std::vector<std::string>> out;
    for (const auto& e : ops_.command({"XRANGE", push_key(person), "-", "+"}).elements)
      out.push_back(e.elements.at(1).element_strings());
    return out;
  }

  RedisConnection inbound_{redis_->config_as("inbound")};
};

// ------------------------------------------------------------ inbound_page_answer

// By reply code: the page is acknowledged, its code dropped, its deliveries
// still to come cancelled (notify's store API), the incident taken, the
// escalation's other open pages stood down (their push told the app), the
// timeline written and the case's deadlines resynced.
TEST_F(InboundScriptsTest, AcknowledgeByCodeTakesTheIncidentAndStandsTheOthersDown) {
  seed_incident();
  seed_page(kPage, "anna", kCode, "queued");
  seed_page(kOther, "bert", "654321", "accepted");

  const auto r = answer(inbound_, by_code("anna", kCode));
  EXPECT_EQ(r.outcome, "acknowledged");
  EXPECT_EQ(r.page_id, kPage);
  EXPECT_EQ(r.case_id, kCase);
  EXPECT_EQ(r.cancelled, 1) << "its push had not gone out";
  EXPECT_TRUE(r.escalation_payload.empty());
  EXPECT_FALSE(r.locked_until_ms);

  const auto p = page_key(kPage);
  EXPECT_EQ(hget(p, "state"), "acknowledged");
  EXPECT_EQ(hget(p, "acknowledged_at"), n(kNow));
  EXPECT_EQ(hget(p, "acknowledged_via"), "sms");
  EXPECT_EQ(hget(p, "acknowledged_via_ref"), "…001");
  EXPECT_EQ(hget(p, "rev"), "3");
  EXPECT_FALSE(exists(ackcode_key("anna", kCode)));
  EXPECT_EQ(hget(delivery_key(kPage, "push"), "state"), "cancelled");
  EXPECT_EQ(hget(delivery_key(kPage, "sms"), "state"), "accepted");
  EXPECT_FALSE(zscore(kNotifyQueue, kPage + ":push"));
  EXPECT_FALSE(zscore(kNotifyTimers, kPage));
  EXPECT_EQ(hget(incident_key(kIncident), "status"), "acknowledged");
  EXPECT_EQ(hget(incident_key(kIncident), "acknowledged_by"), "anna");
  EXPECT_EQ(hget(incident_key(kIncident), "acknowledged_page"), kPage);

  const auto o = page_key(kOther);
  EXPECT_EQ(hget(o, "state"), "cancelled");
  EXPECT_EQ(hget(o, "cancelled_reason"), "answered_by_other");
  EXPECT_FALSE(exists(ackcode_key("bert", "654321")));
  EXPECT_FALSE(zscore(kNotifyTimers, kOther));
  EXPECT_EQ(
      push_entries("bert"),
      (std::vector<std::vector<std::string>>{{"type", "page_closed", "page_id", kOther, "case_id",
                                              kCase, "state", "answered_by_other"}}));
  EXPECT_TRUE(push_entries("anna").empty()) << "anna's push never reached the app";

  const auto events = timeline();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("type").as_string(), "acknowledged");
  EXPECT_EQ(events[0].at("person").as_string(), "anna");
  EXPECT_EQ(events[0].at("via").as_string(), "sms");
  EXPECT_EQ(events[0].at("cancelled").as_int64(), 1);
  EXPECT_EQ(events[0].at("stood_down").as_int64(), 1);
  EXPECT_EQ(zscore(kDeadlinesDue, kCase + "|resync"), n(kNow));

  // Again: already acknowledged, nothing changes; the stood-down page is taken.
  const auto again = answer(inbound_, by_code("anna", kCode));
  EXPECT_EQ(again.outcome, "unknown_code") << "the code answers nothing any more";
  auto by_page = by_code("anna", "");
  by_page.page_id = kPage;
  EXPECT_EQ(answer(inbound_, by_page).outcome, "already_acknowledged");
  by_page.person = "bert";
  by_page.page_id = kOther;
  const auto taken = answer(inbound_, by_page);
  EXPECT_EQ(taken.outcome, "taken_by_other");
  EXPECT_EQ(taken.case_id, kCase);
  EXPECT_EQ(timeline().size(), 1u);
}

// A decline (here from the web app, as piket-web's user): escalation never
// pages the person for this incident again and hears of it at once through
// its outbox; a pushed page is closed in the app.
TEST_F(InboundScriptsTest, DeclineByPageIdAsksEscalationThroughItsOutbox) {
  seed_incident();
  seed_page(kPage, "anna", kCode, "accepted");
  RedisConnection web{redis_->config_as("web")};
  auto a = by_code("anna", "", "decline");
  a.page_id = kPage;
  a.via = "web";
  a.via_ref = "session 1a2b3c4d";
  const auto r = answer(web, a);
  EXPECT_EQ(r.outcome, "declined");
  EXPECT_EQ(r.cancelled, 0);
  const auto payload = json::parse(r.escalation_payload).as_object();
  EXPECT_EQ(payload.at("page_id").as_string(), kPage);
  EXPECT_EQ(payload.at("reason").as_string(), "declined");
  EXPECT_EQ(payload.at("case_id").as_string(), kCase);
  EXPECT_EQ(payload.at("person").as_string(), "anna");

  EXPECT_EQ(hget(page_key(kPage), "state"), "declined");
  EXPECT_EQ(hget(page_key(kPage), "declined_via"), "web");
  EXPECT_EQ(hget(page_key(kPage), "declined_via_ref"), "session 1a2b3c4d");
  EXPECT_EQ(ops_.command({"SISMEMBER", incident_declined_key(kIncident), "anna"}).integer, 1);
  EXPECT_EQ(hget(incident_key(kIncident), "status"), "dispatched");
  const auto mid = kPage + ":declined";
  EXPECT_EQ(zscore(outbox_due_key("escalation"), mid), n(kTransport));
  EXPECT_EQ(ops_.command({"HGET", outbox_data_key("escalation"), mid}).str, r.escalation_payload);
  EXPECT_EQ(zscore(kDeadlinesDue, kCase + "|resync"), n(kNow));
  EXPECT_EQ(push_entries("anna"),
            (std::vector<std::vector<std::string>>{
                {"type", "page_closed", "page_id", kPage, "case_id", kCase, "state", "declined"}}));
  EXPECT_EQ(timeline().at(0).at("type").as_string(), "declined");

  // The other answer after the first is refused.
  a.answer = "acknowledge";
  EXPECT_EQ(answer(web, a).outcome, "already_declined");
}

TEST_F(InboundScriptsTest, OnlyThePersonPagedAnswersAndInformationIsNotAnswered) {
  seed_incident();
  seed_page(kPage, "anna", kCode);
  auto a = by_code("bert", "");
  a.page_id = kPage;
  auto r = answer(inbound_, a);
  EXPECT_EQ(r.outcome, "not_yours");
  EXPECT_EQ(r.page_id, kPage);
  EXPECT_TRUE(r.case_id.empty());
  a.page_id = kPage2;
  EXPECT_EQ(answer(inbound_, a).outcome, "unknown_page");
  ops_.command({"HSET", page_key(kPage), "info", "1"});
  a.person = "anna";
  a.page_id = kPage;
  r = answer(inbound_, a);
  EXPECT_EQ(r.outcome, "informational");
  EXPECT_EQ(r.case_id, kCase);
  EXPECT_EQ(hget(page_key(kPage), "state"), "accepted");
  EXPECT_TRUE(exists(ackcode_key("anna", kCode)));
  EXPECT_TRUE(timeline().empty());
}

// Wrong codes count against the person and the sending number; the limit
// locks both, and while locked not even the right code answers.
TEST_F(InboundScriptsTest, WrongCodesLockThePersonAndTheNumber) {
  seed_incident();
  seed_page(kPage, "anna", kCode);
  EXPECT_EQ(answer(inbound_, by_code("anna", "000001")).outcome, "unknown_code");
  EXPECT_EQ(hget(codeguard_person_key("anna"), "fails"), "1");
  EXPECT_EQ(hget(codeguard_number_key("ab12cd34ab12cd34"), "fails"), "1");
  EXPECT_GT(ops_.command({"PTTL", codeguard_person_key("anna")}).integer, 0);
  EXPECT_EQ(answer(inbound_, by_code("anna", "000002")).outcome, "unknown_code");
  const auto locked = answer(inbound_, by_code("anna", "000003"));
  EXPECT_EQ(locked.outcome, "locked_now");
  EXPECT_EQ(locked.locked_until_ms, kNow + kLock);
  EXPECT_EQ(zscore(kCodeguardLocked, "anna"), n(kNow + kLock));
  EXPECT_EQ(hget(codeguard_number_key("ab12cd34ab12cd34"), "locked_until"), n(kNow + kLock));

  const auto refused = answer(inbound_, by_code("anna", kCode));
  EXPECT_EQ(refused.outcome, "locked");
  EXPECT_EQ(refused.locked_until_ms, kNow + kLock);
  EXPECT_EQ(hget(page_key(kPage), "state"), "accepted");
  EXPECT_TRUE(exists(ackcode_key("anna", kCode)));

  // A number that is not staff's: nothing looked up, its number still counted.
  ops_.command({"DEL", codeguard_number_key("ab12cd34ab12cd34")});
  const auto stranger = answer(inbound_, by_code("", kCode));
  EXPECT_EQ(stranger.outcome, "unknown_code");
  EXPECT_EQ(hget(codeguard_number_key("ab12cd34ab12cd34"), "fails"), "1");
}

// A code is valid only until its page's code_until (domain time).
TEST_F(InboundScriptsTest, AnExpiredCodeIsDroppedAndAnswersNothing) {
  seed_incident();
  seed_page(kPage, "anna", kCode);
  ops_.command({"HSET", page_key(kPage), "code_until", n(kNow - 1)});
  EXPECT_EQ(answer(inbound_, by_code("anna", kCode)).outcome, "unknown_code");
  EXPECT_FALSE(exists(ackcode_key("anna", kCode)));
  EXPECT_EQ(hget(page_key(kPage), "state"), "accepted");
}

// ------------------------------------------------------ inbound_delivery_reports

TEST_F(InboundScriptsTest, DeliveryReportIsKeptOnThePageOnceAndAFinalOneIsNotContradicted) {
  EXPECT_EQ(report(inbound_, kPage, "1", n(kNow)), "unknown");
  seed_page(kPage, "anna", kCode);

  EXPECT_EQ(report(inbound_, kPage, "8", n(kNow)), "recorded");
  EXPECT_EQ(hget(page_key(kPage), "dlr_type"), "8");
  EXPECT_EQ(hget(page_key(kPage), "dlr_at"), n(kNow));
  EXPECT_EQ(ops_.command({"LRANGE", page_dlr_key(kPage), "0", "-1"}).element_strings(),
            (std::vector<std::string>{"8:" + n(kNow)}));
  EXPECT_EQ(hget(delivery_key(kPage, "sms"), "dlr_type"), "8");
  EXPECT_EQ(report(inbound_, kPage, "8", n(kNow + 1)), "duplicate");
  EXPECT_EQ(hget(page_key(kPage), "dlr_at"), n(kNow));

  EXPECT_EQ(report(inbound_, kPage, "1", n(kNow + 2)), "recorded");
  EXPECT_EQ(hget(page_key(kPage), "delivered_at"), n(kNow + 2));
  EXPECT_EQ(hget(delivery_key(kPage, "sms"), "delivered_at"), n(kNow + 2));
  EXPECT_EQ(report(inbound_, kPage, "16", n(kNow + 3)), "contradicts");
  EXPECT_EQ(hget(delivery_key(kPage, "sms"), "state"), "accepted");
  EXPECT_FALSE(hexists(page_key(kPage), "delivery_failed_at"));
  EXPECT_EQ(ops_.command({"SCARD", page_dlr_types_key(kPage)}).integer, 2);

  const auto events = timeline();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].at("type").as_string(), "delivery_report");
  EXPECT_EQ(events[0].at("report").as_int64(), 8);
  EXPECT_EQ(events[0].at("by").as_string(), "gateway");
}

// A failed report fails the SMS delivery through notify's store API, in the
// same script: the page wakes for its next channel.
TEST_F(InboundScriptsTest, AFailedReportFailsTheSmsAndWakesThePage) {
  seed_page(kPage, "anna", kCode);
  EXPECT_EQ(report(inbound_, kPage, "2", n(kNow)), "failed");
  EXPECT_EQ(hget(page_key(kPage), "delivery_failed_at"), n(kNow));
  EXPECT_EQ(hget(delivery_key(kPage, "sms"), "state"), "failed");
  EXPECT_EQ(hget(delivery_key(kPage, "sms"), "fail_reason"), "delivery_report");
  EXPECT_EQ(hget(page_key(kPage), "rev"), "3");
  EXPECT_EQ(zscore(kNotifyTimers, kPage), n(kNow));
  const auto events = timeline();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].at("type").as_string(), "delivery_report");
  EXPECT_EQ(events[1].at("type").as_string(), "delivery_failed");
}

// --------------------------------------------- inbound_delivery_reports, a bundle

TEST_F(InboundScriptsTest, BundleReportCountsForEveryPageOfTheSms) {
  seed_page(kPage, "anna", kCode);
  seed_page(kPage2, "anna", "222222");
  ops_.command({"HSET", sms_bundle_key("B0000000000000001"), "pages", kPage + "," + kPage2});
  EXPECT_TRUE(report_one(inbound_, "B0000000000000009", kPage, "1", n(kNow)).empty())
      << "unknown bundle";
  EXPECT_TRUE(report_one(inbound_, "B0000000000000001", kOther, "1", n(kNow)).empty())
      << "a page the bundle does not hold";
  EXPECT_FALSE(hexists(page_key(kPage), "dlr_type"));

  EXPECT_EQ(report_one(inbound_, "B0000000000000001", kPage2, "1", n(kNow)),
            (std::vector<std::string>{kPage, "recorded", kPage2, "recorded"}));
  EXPECT_EQ(hget(page_key(kPage), "delivered_at"), n(kNow));
  EXPECT_EQ(hget(page_key(kPage2), "delivered_at"), n(kNow));
  EXPECT_EQ(report_one(inbound_, "B0000000000000001", kPage, "1", n(kNow)),
            (std::vector<std::string>{kPage, "duplicate", kPage2, "duplicate"}));
}

// Reports that arrive together are written with one call (inbound's group commit): each gets
// its own answer, in order, and each has the effect it would have had alone — a second report
// of the same type later in the batch is a duplicate, an unknown bundle answers {}.
TEST_F(InboundScriptsTest, ABatchOfReportsAnswersEachInOrderAsIfWrittenOneByOne) {
  seed_page(kPage, "anna", kCode);
  seed_page(kPage2, "anna", "222222");
  ops_.command({"HSET", sms_bundle_key("B0000000000000001"), "pages", kPage + "," + kPage2});
  const auto r = inbound_.eval(kReports, {},
                               {n(kNow),                             //
                                "", kPage, "8",                      //
                                "", kOther, "1",                     // no such page
                                "B0000000000000009", kPage, "1",     // no such bundle
                                "", kPage, "8",                      // the same report again
                                "B0000000000000001", kPage2, "1"});  // both pages delivered
  ASSERT_EQ(r.elements.size(), 5u);
  EXPECT_EQ(r.elements[0].element_strings(), (std::vector<std::string>{kPage, "recorded"}));
  EXPECT_EQ(r.elements[1].element_strings(), (std::vector<std::string>{kOther, "unknown"}));
  EXPECT_TRUE(r.elements[2].elements.empty());
  EXPECT_EQ(r.elements[3].element_strings(), (std::vector<std::string>{kPage, "duplicate"}));
  EXPECT_EQ(r.elements[4].element_strings(),
            (std::vector<std::string>{kPage, "recorded", kPage2, "recorded"}));
  EXPECT_EQ(ops_.command({"LRANGE", page_dlr_key(kPage), "0", "-1"}).element_strings(),
            (std::vector<std::string>{"8:" + n(kNow), "1:" + n(kNow)}));
  EXPECT_EQ(hget(page_key(kPage2), "delivered_at"), n(kNow));
  EXPECT_FALSE(hexists(page_key(kOther), "dlr_type"));
  // An empty batch writes nothing and answers nothing.
  EXPECT_TRUE(inbound_.eval(kReports, {}, {n(kNow)}).elements.empty());
}

// ---------------------------------------------------------------- lib/inbound_dlr

TEST_F(InboundScriptsTest, LibDlrRecordsOneReportAndReturnsTheOutcome) {
  const RedisScript call{std::string(lua::inbound_dlr()) +
                         "\nreturn piket_inbound_dlr(ARGV[1], ARGV[2], ARGV[3])\n"};
  EXPECT_EQ(inbound_.eval(call, {}, {kPage, "1", n(kNow)}).str, "unknown");
  // A page without a case and without an SMS delivery: recorded on the page only.
  ops_.command({"HSET", page_key(kPage), "person", "anna"});
  EXPECT_EQ(inbound_.eval(call, {}, {kPage, "16", n(kNow)}).str, "recorded");
  EXPECT_EQ(hget(page_key(kPage), "delivery_failed_at"), n(kNow));
  EXPECT_EQ(ops_.command({"KEYS", case_timeline_key("*")}).elements.size(), 0u);
  EXPECT_EQ(ops_.command({"KEYS", delivery_key("*")}).elements.size(), 0u);
  EXPECT_EQ(inbound_.eval(call, {}, {kPage, "1", n(kNow)}).str, "contradicts");
  EXPECT_EQ(inbound_.eval(call, {}, {kPage, "16", n(kNow)}).str, "duplicate");
}

}  // namespace
}  // namespace piket::store
