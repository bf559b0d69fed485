// dispatch's Lua scripts (store/lua/dispatch/*.lua) run directly against a real redis-server
// (label redis) as Redis user "dispatch", through their typed arguments and replies
// (piket/store/dispatch_scripts.hpp): each test seeds the state, runs one script and checks
// its reply and every key it writes (or that it wrote nothing).

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "instances.hpp"
#include "piket/common/redis.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/delivery.hpp"
#include "piket/store/delivery_scripts.hpp"
#include "piket/store/dispatch_scripts.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/lua.hpp"
#include "piket/store/outbox.hpp"
#include "piket/store/page.hpp"
#include "piket/store/rota_notice.hpp"
#include "private_redis.hpp"

namespace piket::store {
namespace {

namespace json = boost::json;
using common::RedisConnection;
using common::RedisScript;

constexpr std::int64_t kNow = 1'800'000'000'000;  // domain ms
constexpr std::int64_t kDue = 1'900'000'000'000;  // transport ms
constexpr std::int64_t kCodeTtl = 3'600'000;

// The notify message of a page made at kNow (lib/paging_page_create.lua): its rank when
// it has one, and what notify's plan needs (whose page, when made, information or not).
json::value page_message(const std::string& page, const std::string& person, int info,
                         std::optional<int> rank = std::nullopt) {
  json::object m{{"page_id", page}, {"person", person}, {"created_at", kNow}, {"info", info}};
  if (rank) m["rank"] = *rank;
  return m;
}

PageRecipient recipient(const std::string& person, const std::string& page,
                        const std::string& code) {
  return {person, page, code, "+4470000" + person, "text for " + person};
}

class DispatchScriptsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new test::PrivateRedis("piket-dispatch-lua"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }
  void SetUp() override { ops_.command({"FLUSHALL"}); }

  std::vector<std::string> run(std::string_view source, const std::vector<std::string>& args) {
    const RedisScript script{std::string(source)};
    return dispatch_.eval(script, {}, args).element_strings();
  }
  std::string hget(const std::string& key, const std::string& field) {
    return ops_.command({"HGET", key, field}).str;
  }
  bool exists(const std::string& key) { return ops_.command({"EXISTS", key}).integer == 1; }
  std::vector<json::value> timeline(const std::string& case_id) {
    std::vector<json::value> out;
    for (const auto& e :
         ops_.command({"LRANGE", case_timeline_key(case_id), "0", "-1"}).element_strings())
      out.push_back(json::parse(e));
    return out;
  }
  // An incident as ingest leaves it: accepted, in case C1.
  void accepted_incident(const std::string& id = "I1") {
    ops_.command({"HSET", incident_key(id), "status", "accepted", "case_id", "C1", "kind",
                  "code_red", "region", "groningen"});
    ops_.command({"HSET", case_key("C1"), "state", "open", "region", "groningen"});
  }

  static test::PrivateRedis* redis_;
  RedisConnection ops_{redis_->config()};
  RedisConnection dispatch_{redis_->config_as("dispatch")};
};
test::PrivateRedis* DispatchScriptsTest::redis_ = nullptr;

// ---- dispatch_incident.lua

DispatchIncidentArgs dispatch_args() {
  DispatchIncidentArgs a;
  a.incident_id = "I1";
  a.case_id = "C1";
  a.rule = "on_call";
  a.page = recipient("anna", "P1", "123456");
  a.brief = "CODE RED C1";
  a.rank = 10;
  a.now_ms = kNow;
  a.outbox_due_ms = kDue;
  a.assign_case = true;
  a.code_ttl_ms = kCodeTtl;
  a.region = "groningen";
  return a;
}

DispatchIncidentReply dispatched(const std::vector<std::string>& r) {
  const auto p = DispatchIncidentReply::parse(r);
  if (!p) throw std::runtime_error("unexpected reply");
  return *p;
}

TEST_F(DispatchScriptsTest, AnAcceptedIncidentGetsItsPageItsCasemanagerAndItsEscalationTimer) {
  accepted_incident();
  auto a = dispatch_args();
  a.escalation = DispatchIncidentArgs::Escalation{"0.0", kNow + 300'000};
  const auto r = dispatched(run(lua::dispatch_incident(), a.args()));
  ASSERT_EQ(r.kind, DispatchIncidentReply::Kind::dispatched);
  EXPECT_EQ(r.page_id, "P1");
  EXPECT_EQ(json::parse(r.payload), page_message("P1", "anna", 0, 10));
  EXPECT_EQ(r.inform_payload, "");
  EXPECT_EQ(r.capacity_payload, "");

  const auto inc = incident_key("I1");
  EXPECT_EQ(hget(inc, "status"), "dispatched");
  EXPECT_EQ(hget(inc, "page_id"), "P1");
  EXPECT_EQ(hget(inc, "assignee"), "anna");
  EXPECT_EQ(hget(inc, "rule"), "on_call");
  EXPECT_EQ(hget(inc, "esc_state"), "active");
  EXPECT_EQ(hget(inc, "esc_at"), "0.0");
  EXPECT_EQ(hget(incident_esc_paged_key("I1"), "anna"), "0");
  EXPECT_EQ(ops_.command({"SISMEMBER", incident_pages_key("I1"), "P1"}).integer, 1);
  EXPECT_EQ(ops_.command({"ZSCORE", kEscalationsDue, "I1"}).str, std::to_string(kNow + 300'000));

  const auto page = page_key("P1");
  EXPECT_EQ(hget(page, "person"), "anna");
  EXPECT_EQ(hget(page, "state"), "queued");
  EXPECT_EQ(hget(page, "step"), "I1:0.0");
  EXPECT_EQ(hget(page, "esc_at"), "0.0");
  EXPECT_EQ(hget(page, "brief"), "CODE RED C1");
  EXPECT_EQ(hget(page, "rank"), "10");
  EXPECT_EQ(ops_.command({"GET", ackcode_key("anna", "123456")}).str, "P1");
  EXPECT_EQ(hget(outbox_data_key("notify"), "P1"), r.payload);

  EXPECT_EQ(hget(case_key("C1"), "casemanager"), "anna");
  EXPECT_EQ(ops_.command({"SISMEMBER", caseload_key("anna"), "C1"}).integer, 1);
  const auto t = timeline("C1");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].at("type").as_string(), "casemanager_assigned");
  EXPECT_EQ(t[1].at("type").as_string(), "paged");
  EXPECT_EQ(t[1].at("page").as_string(), "P1");
}

// A page's expansion as paging::attach_plan makes it for a person whose rules are an SMS at
// once and a push a minute later: the SMS started, the page waking for the push.
NotifyExpandArgs sms_then_push(const std::string& page, const std::string& person) {
  NotifyExpandArgs e{page, kNow, {{"sms", 0, ""}, {"push", 60'000, "push:" + person}}, {}};
  e.person = person;
  NotifyApplyArgs apply;
  apply.rev = std::string(kNotifyExpandedRev);
  apply.domain_now_ms = kNow;
  apply.transport_now_ms = kDue - 5'000;
  apply.next_wakeup_ms = kNow + 60'000;
  apply.outbox_due_ms = kDue;
  apply.start = {{"sms", "at_once", std::nullopt}};
  e.plan = NotifyExpandPlan{kNow, false, apply};
  return e;
}

// The page's expansion made part of the commit (lib/notify_expand_page.lua): its SMS is
// queued for notify's workers, the push waits its minute, the page's timer is the plan's
// next wake-up, and its message says it was expanded (notify only wakes a worker).
TEST_F(DispatchScriptsTest, ThePageLeavesTheCommitExpandedWithItsFirstChannelQueued) {
  accepted_incident();
  auto a = dispatch_args();
  a.escalation = DispatchIncidentArgs::Escalation{"0.0", kNow + 300'000};
  a.expansion = sms_then_push("P1", "anna");
  a.rank = 1;  // urgent (a code red): its SMS is also in notify:urgent, claimed first
  const auto r = dispatched(run(lua::dispatch_incident(), a.args()));
  ASSERT_EQ(r.kind, DispatchIncidentReply::Kind::dispatched);
  auto message = page_message("P1", "anna", 0, 1);
  message.as_object()["expanded"] = 1;
  EXPECT_EQ(json::parse(r.payload), message);
  EXPECT_EQ(hget(outbox_data_key("notify"), "P1"), r.payload);

  const auto page = page_key("P1");
  EXPECT_EQ(hget(page, "state"), "queued");
  EXPECT_EQ(hget(page, "channels"), "sms,push");
  EXPECT_EQ(hget(page, "step"), "I1:0.0");
  const auto sms = delivery_key("P1", "sms");
  EXPECT_EQ(hget(sms, "state"), "queued");
  EXPECT_EQ(hget(sms, "to"), "+4470000anna");  // the page's number
  EXPECT_EQ(hget(sms, "start_reason"), "at_once");
  EXPECT_EQ(ops_.command({"ZSCORE", kNotifyQueue, "P1:sms"}).str, std::to_string(kDue - 5'000));
  EXPECT_EQ(ops_.command({"ZSCORE", kNotifyUrgent, "P1:sms"}).str, std::to_string(kDue - 5'000));
  EXPECT_EQ(ops_.command({"ZSCORE", sms_queue_key("anna"), "P1:sms"}).str,
            std::to_string(kDue - 5'000));
  EXPECT_EQ(hget(delivery_key("P1", "push"), "state"), "scheduled");
  EXPECT_EQ(hget(delivery_key("P1", "push"), "to"), "push:anna");
  EXPECT_TRUE(ops_.command({"ZSCORE", kNotifyQueue, "P1:push"}).is_nil());
  EXPECT_EQ(ops_.command({"ZSCORE", kNotifyTimers, "P1"}).str, std::to_string(kNow + 60'000));
  EXPECT_EQ(ops_.command({"GET", pagekey_key("C1", "I1:0.0", "anna", "sms")}).str, "P1:sms");
  // The rest of the commit as without the expansion.
  EXPECT_EQ(hget(incident_key("I1"), "status"), "dispatched");
  EXPECT_EQ(timeline("C1").size(), 2u);
}

// Without an expansion the page is left for notify to expand when told (an older
// dispatch's commit, and every other producer of pages): nothing of notify's is written.
TEST_F(DispatchScriptsTest, WithoutAnExpansionNotifysKeysAreNotWritten) {
  accepted_incident();
  const auto r = dispatched(run(lua::dispatch_incident(), dispatch_args().args()));
  ASSERT_EQ(r.kind, DispatchIncidentReply::Kind::dispatched);
  EXPECT_FALSE(json::parse(r.payload).as_object().contains("expanded"));
  EXPECT_FALSE(exists(delivery_key("P1", "sms")));
  EXPECT_EQ(hget(page_key("P1"), "channels"), "");
  EXPECT_EQ(ops_.command({"ZCARD", kNotifyQueue}).integer, 0);
  EXPECT_EQ(ops_.command({"ZCARD", kNotifyTimers}).integer, 0);
}

TEST_F(DispatchScriptsTest, AnIncidentDispatchedBeforeOrMissingOrACollisionWritesNothing) {
  auto a = dispatch_args();
  EXPECT_EQ(dispatched(run(lua::dispatch_incident(), a.args())).kind,
            DispatchIncidentReply::Kind::missing);
  accepted_incident();
  ops_.command({"SET", ackcode_key("anna", "123456"), "P0"});
  const auto keys = test::all_keys(ops_);
  EXPECT_EQ(dispatched(run(lua::dispatch_incident(), a.args())).kind,
            DispatchIncidentReply::Kind::ack_collision);
  EXPECT_EQ(test::all_keys(ops_), keys);

  a.page.ack_code = "654321";
  ASSERT_EQ(dispatched(run(lua::dispatch_incident(), a.args())).kind,
            DispatchIncidentReply::Kind::dispatched);
  const auto keys_after = test::all_keys(ops_);
  a.page.page_id = "P2";
  const auto again = dispatched(run(lua::dispatch_incident(), a.args()));
  EXPECT_EQ(again.kind, DispatchIncidentReply::Kind::already);
  EXPECT_EQ(again.page_id, "P1");
  EXPECT_EQ(test::all_keys(ops_), keys_after);
}

TEST_F(DispatchScriptsTest, TheOwnCasemanagerOffDutyIsInformedWithAPageThatIsInformation) {
  accepted_incident();
  auto a = dispatch_args();
  a.assign_case = false;
  a.inform = recipient("bert", "P2", "");
  a.inform_brief = "CODE RED C1";
  a.inform_rank = 50;
  const auto r = dispatched(run(lua::dispatch_incident(), a.args()));
  ASSERT_EQ(r.kind, DispatchIncidentReply::Kind::dispatched);
  EXPECT_EQ(r.inform_page_id, "P2");
  EXPECT_EQ(json::parse(r.inform_payload), page_message("P2", "bert", 1, 50));
  EXPECT_EQ(hget(page_key("P2"), "rule"), "inform");
  EXPECT_EQ(hget(page_key("P2"), "info"), "1");
  EXPECT_EQ(ops_.command({"HGET", case_key("C1"), "casemanager"}).type,
            common::RedisReply::Type::nil);
  const auto t = timeline("C1");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[1].at("type").as_string(), "informed");
  EXPECT_EQ(t[1].at("person").as_string(), "bert");
}

// The caseload cap: a coverage problem begins (the team lead is paged once) and ends.
TEST_F(DispatchScriptsTest, ACoverageProblemBeginsWithOnePageToTheTeamLeadAndEndsInItsHistory) {
  accepted_incident("I1");
  accepted_incident("I2");
  auto a = dispatch_args();
  a.rule = "backup";
  a.all_on_call_at_cap = true;
  a.lead = recipient("lead", "P9", "999999");
  const auto r = dispatched(run(lua::dispatch_incident(), a.args()));
  ASSERT_EQ(r.kind, DispatchIncidentReply::Kind::dispatched);
  EXPECT_EQ(r.capacity_page_id, "P9");
  EXPECT_EQ(json::parse(r.capacity_payload), page_message("P9", "lead", 0));
  const auto cap = capacity_key("groningen");
  EXPECT_EQ(hget(cap, "since"), std::to_string(kNow));
  EXPECT_EQ(hget(cap, "person"), "lead");
  EXPECT_EQ(hget(cap, "page"), "P9");
  EXPECT_EQ(hget(cap, "past_on_call"), "1");
  EXPECT_EQ(hget(incident_key("I1"), "past_cap"), "1");
  EXPECT_EQ(hget(page_key("P9"), "rule"), "capacity");

  // Under the cap again: the problem goes to the history.
  auto b = dispatch_args();
  b.incident_id = "I2";
  b.page = recipient("anna", "P3", "222222");
  b.now_ms = kNow + 60'000;
  ASSERT_EQ(dispatched(run(lua::dispatch_incident(), b.args())).capacity_payload, "");
  EXPECT_FALSE(exists(cap));
  const auto history =
      ops_.command({"LRANGE", capacity_history_key("groningen"), "0", "-1"}).element_strings();
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(json::parse(history[0]),
            json::parse(R"({"since":1800000000000,"until":1800000060000,"past_on_call":1})"));
}

// ---- dispatch_escalation_step.lua

EscalationStepReply step_reply(const std::vector<std::string>& r) {
  const auto p = EscalationStepReply::parse(r);
  if (!p) throw std::runtime_error("unexpected reply");
  return *p;
}

class EscalationStepTest : public DispatchScriptsTest {
 protected:
  // An incident dispatched at step 0.0, its escalation running.
  void SetUp() override {
    DispatchScriptsTest::SetUp();
    ops_.command({"HSET", incident_key("I1"), "status", "dispatched", "case_id", "C1", "esc_state",
                  "active", "esc_at", "0.0", "esc_due", std::to_string(kNow)});
    ops_.command({"ZADD", kEscalationsDue, std::to_string(kNow), "I1"});
  }
  static EscalationStepArgs args(EscalationStepArgs::Action action) {
    EscalationStepArgs a;
    a.incident_id = "I1";
    a.expected_at = "0.0";
    a.action = action;
    a.now_ms = kNow;
    a.new_at = "0.0";
    a.reason = "timer";
    a.skipped = "[]";
    a.code_ttl_ms = kCodeTtl;
    return a;
  }
  static EscalationStepArgs page_args(EscalationStepArgs::Action action) {
    auto a = args(action);
    a.new_at = "0.1";
    a.timer_ms = kNow + 600'000;
    a.page = recipient("carl", "P5", "555555");
    a.outbox_due_ms = kDue;
    a.rule = "backup";
    a.target = "backup";
    a.skipped = R"(["0.1"])";
    a.brief = "CODE RED C1";
    a.rank = 10;
    a.step_due_ms = kNow - 1000;
    return a;
  }
};

TEST_F(EscalationStepTest, APageStepCreatesThePageMovesTheTimerAndWritesTheTimeline) {
  const auto r = step_reply(
      run(lua::dispatch_escalation_step(), page_args(EscalationStepArgs::Action::page).args()));
  ASSERT_EQ(r.kind, EscalationStepReply::Kind::paged);
  EXPECT_EQ(json::parse(r.payload), page_message("P5", "carl", 0, 10));
  const auto inc = incident_key("I1");
  EXPECT_EQ(hget(inc, "status"), "escalated");
  EXPECT_EQ(hget(inc, "esc_at"), "0.1");
  EXPECT_EQ(hget(inc, "esc_due"), std::to_string(kNow + 600'000));
  EXPECT_EQ(hget(incident_esc_paged_key("I1"), "carl"), "0");
  EXPECT_EQ(ops_.command({"SISMEMBER", incident_pages_key("I1"), "P5"}).integer, 1);
  EXPECT_EQ(ops_.command({"ZSCORE", kEscalationsDue, "I1"}).str, std::to_string(kNow + 600'000));
  EXPECT_EQ(hget(page_key("P5"), "step"), "I1:0.1");
  EXPECT_EQ(hget(page_key("P5"), "reason"), "escalated");
  EXPECT_EQ(hget(page_key("P5"), "case"), "C1");
  EXPECT_EQ(ops_.command({"GET", ackcode_key("carl", "555555")}).str, "P5");
  const auto t = timeline("C1");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].at("type").as_string(), "escalated");
  EXPECT_EQ(t[0].at("from").as_string(), "0.0");
  EXPECT_EQ(t[0].at("to").as_string(), "0.1");
  EXPECT_EQ(t[0].at("skipped"), json::parse(R"(["0.1"])"));
  EXPECT_EQ(t[0].at("due").to_number<std::int64_t>(), kNow - 1000);
}

// The step's page expanded in the same script: its SMS queued for notify's workers, in
// notify:urgent (an escalation), its message saying so. Without the expansion (the test
// above) nothing of notify's is written.
TEST_F(EscalationStepTest, APageStepWithItsExpansionLeavesThePageItsFirstChannelQueued) {
  auto a = page_args(EscalationStepArgs::Action::page);
  a.rank = 1;
  a.expansion = sms_then_push("P5", "carl");
  const auto r = step_reply(run(lua::dispatch_escalation_step(), a.args()));
  ASSERT_EQ(r.kind, EscalationStepReply::Kind::paged);
  auto message = page_message("P5", "carl", 0, 1);
  message.as_object()["expanded"] = 1;
  EXPECT_EQ(json::parse(r.payload), message);
  EXPECT_EQ(hget(page_key("P5"), "channels"), "sms,push");
  EXPECT_EQ(hget(page_key("P5"), "reason"), "escalated");
  EXPECT_EQ(hget(delivery_key("P5", "sms"), "state"), "queued");
  EXPECT_EQ(hget(delivery_key("P5", "sms"), "to"), "+4470000carl");
  EXPECT_EQ(ops_.command({"ZSCORE", kNotifyUrgent, "P5:sms"}).str, std::to_string(kDue - 5'000));
  EXPECT_EQ(hget(delivery_key("P5", "push"), "state"), "scheduled");
  EXPECT_EQ(ops_.command({"ZSCORE", kNotifyTimers, "P5"}).str, std::to_string(kNow + 60'000));
  EXPECT_EQ(ops_.command({"GET", pagekey_key("C1", "I1:0.1", "carl", "sms")}).str, "P5:sms");
  EXPECT_EQ(hget(incident_key("I1"), "esc_at"), "0.1");
}

TEST_F(EscalationStepTest, APageStepWithoutAnExpansionWritesNothingOfNotifys) {
  const auto r = step_reply(
      run(lua::dispatch_escalation_step(), page_args(EscalationStepArgs::Action::page).args()));
  ASSERT_EQ(r.kind, EscalationStepReply::Kind::paged);
  EXPECT_FALSE(exists(delivery_key("P5", "sms")));
  EXPECT_EQ(ops_.command({"ZCARD", kNotifyQueue}).integer, 0);
}

TEST_F(EscalationStepTest, ARepageCountsAndGoesBackToDispatched) {
  ops_.command({"HSET", incident_key("I1"), "status", "acknowledged"});
  auto a = page_args(EscalationStepArgs::Action::repage);
  a.expected_acknowledged = true;
  a.new_at = "0.0";
  a.reason = "no_first_contact";
  const auto r = step_reply(run(lua::dispatch_escalation_step(), a.args()));
  ASSERT_EQ(r.kind, EscalationStepReply::Kind::repaged);
  EXPECT_EQ(hget(incident_key("I1"), "status"), "dispatched");
  EXPECT_EQ(hget(incident_key("I1"), "esc_repages"), "1");
  EXPECT_EQ(hget(page_key("P5"), "step"), "I1:forgotten:1");
  EXPECT_EQ(hget(page_key("P5"), "reason"), "no_first_contact");
  const auto t = timeline("C1");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].at("type").as_string(), "repaged");
}

TEST_F(EscalationStepTest, WaitStopAndExhaustedMoveOrDropTheTimer) {
  auto wait = args(EscalationStepArgs::Action::wait);
  wait.timer_ms = kNow + 5000;
  EXPECT_EQ(step_reply(run(lua::dispatch_escalation_step(), wait.args())).kind,
            EscalationStepReply::Kind::waiting);
  EXPECT_EQ(ops_.command({"ZSCORE", kEscalationsDue, "I1"}).str, std::to_string(kNow + 5000));

  auto exhausted = args(EscalationStepArgs::Action::exhausted);
  exhausted.skipped = R"(["0.1","0.2"])";
  EXPECT_EQ(step_reply(run(lua::dispatch_escalation_step(), exhausted.args())).kind,
            EscalationStepReply::Kind::exhausted);
  EXPECT_EQ(hget(incident_key("I1"), "esc_state"), "exhausted");
  EXPECT_EQ(hget(incident_key("I1"), "esc_stopped_at"), std::to_string(kNow));
  EXPECT_TRUE(ops_.command({"ZSCORE", kEscalationsDue, "I1"}).is_nil());
  const auto t = timeline("C1");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].at("type").as_string(), "escalation_exhausted");
  EXPECT_EQ(t[0].at("skipped"), json::parse(R"(["0.1","0.2"])"));

  // No longer active: the step is stale and its timer dropped.
  ops_.command({"ZADD", kEscalationsDue, "1", "I1"});
  EXPECT_EQ(step_reply(run(lua::dispatch_escalation_step(), wait.args())).kind,
            EscalationStepReply::Kind::stale);
  EXPECT_TRUE(ops_.command({"ZSCORE", kEscalationsDue, "I1"}).is_nil());

  ops_.command({"HSET", incident_key("I1"), "esc_state", "active"});
  EXPECT_EQ(step_reply(
                run(lua::dispatch_escalation_step(), args(EscalationStepArgs::Action::stop).args()))
                .kind,
            EscalationStepReply::Kind::stopped);
  EXPECT_EQ(hget(incident_key("I1"), "esc_state"), "stopped");
}

TEST_F(EscalationStepTest, AStepDecidedForAnotherPositionOrATakenCodeWritesNothing) {
  const auto keys = test::all_keys(ops_);
  auto moved = page_args(EscalationStepArgs::Action::page);
  moved.expected_at = "0.1";  // the incident is at 0.0
  EXPECT_EQ(step_reply(run(lua::dispatch_escalation_step(), moved.args())).kind,
            EscalationStepReply::Kind::stale);
  auto acked = page_args(EscalationStepArgs::Action::page);
  acked.expected_acknowledged = true;  // it is not
  EXPECT_EQ(step_reply(run(lua::dispatch_escalation_step(), acked.args())).kind,
            EscalationStepReply::Kind::stale);
  EXPECT_EQ(test::all_keys(ops_), keys);
  EXPECT_EQ(ops_.command({"ZSCORE", kEscalationsDue, "I1"}).str, std::to_string(kNow));

  ops_.command({"SET", ackcode_key("carl", "555555"), "P0"});
  const auto with_code = test::all_keys(ops_);
  EXPECT_EQ(step_reply(run(lua::dispatch_escalation_step(),
                           page_args(EscalationStepArgs::Action::page).args()))
                .kind,
            EscalationStepReply::Kind::ack_collision);
  EXPECT_EQ(test::all_keys(ops_), with_code);
}

// A forced interleaving, 100 times: two dispatch instances decided the same
// step from the same position (both read the incident at 0.0 before either
// wrote; each made its own page id and reply code) and send the step script
// at the same moment, each on its own connection. One pages the backup; the
// other finds the incident moved on (`stale`) and writes nothing: one page,
// one timeline entry, one reply code.
TEST_F(EscalationStepTest, TheSameStepSentByTwoInstancesAtOnceIsTakenOnceHundredTimes) {
  using Kind = EscalationStepReply::Kind;
  RedisConnection second{redis_->config_as("dispatch")};
  std::map<Kind, int> replies;
  for (int n = 0; n < 100; ++n) {
    SetUp();  // the incident back at 0.0, nothing else
    std::vector<EscalationStepArgs> decided(2, page_args(EscalationStepArgs::Action::page));
    decided[1].page = recipient("carl", "P6", "666666");
    RedisConnection* connections[] = {&dispatch_, &second};
    std::vector<EscalationStepReply> r(2);
    piket::test::race(2, [&](int i) {
      const auto k = static_cast<std::size_t>(i);
      const RedisScript script{std::string(lua::dispatch_escalation_step())};  // one each
      r[k] = step_reply(connections[k]->eval(script, {}, decided[k].args()).element_strings());
    });
    ++replies[r[0].kind];
    ++replies[r[1].kind];
    EXPECT_EQ((r[0].kind == Kind::paged) + (r[1].kind == Kind::paged), 1) << "round " << n;
    EXPECT_EQ(exists(page_key("P5")) + exists(page_key("P6")), 1) << "round " << n;
    EXPECT_EQ(exists(ackcode_key("carl", "555555")) + exists(ackcode_key("carl", "666666")), 1);
    EXPECT_EQ(timeline("C1").size(), 1u) << "round " << n;
    EXPECT_EQ(hget(incident_key("I1"), "esc_at"), "0.1");
  }
  EXPECT_EQ(replies[Kind::paged], 100);
  EXPECT_EQ(replies[Kind::stale], 100);
}

// ---- dispatch_rota_notice.lua

TEST_F(DispatchScriptsTest, ARotaNoticeIsSentOnceAsAPageThatIsInformation) {
  RotaNoticeArgs a;
  a.notice_id = handoff_notice_id("anna", "groningen", "primary", kNow + 3'600'000);
  a.person = "anna";
  a.page_id = "P7";
  a.phone = "+447700900001";
  a.text = "piket ROTA: you are on call";
  a.rule = "handoff_notice";
  a.now_ms = kNow;
  a.outbox_due_ms = kDue;
  a.brief = "ROTA ON CALL primary";
  a.rank = 90;
  const auto r = RotaNoticeReply::parse(run(lua::dispatch_rota_notice(), a.args()));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->kind, RotaNoticeReply::Kind::created);
  EXPECT_EQ(r->page_id, "P7");
  EXPECT_EQ(json::parse(r->payload), page_message("P7", "anna", 1, 90));
  EXPECT_EQ(ops_.command({"GET", notice_key(a.notice_id)}).str, "P7");
  EXPECT_EQ(hget(page_key("P7"), "rule"), "handoff_notice");
  EXPECT_EQ(hget(page_key("P7"), "info"), "1");
  EXPECT_EQ(hget(page_key("P7"), "case"), "");
  EXPECT_EQ(hget(page_key("P7"), "rank"), "90");
  EXPECT_TRUE(ops_.command({"HGET", page_key("P7"), "ack_code"}).is_nil());
  EXPECT_EQ(ops_.command({"ZSCORE", outbox_due_key("notify"), "P7"}).str, std::to_string(kDue));

  // Sent before: nothing more.
  const auto keys = test::all_keys(ops_);
  a.page_id = "P8";
  const auto again = RotaNoticeReply::parse(run(lua::dispatch_rota_notice(), a.args()));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->kind, RotaNoticeReply::Kind::sent_before);
  EXPECT_EQ(test::all_keys(ops_), keys);

  // Another notice whose page id is taken: pick another.
  a.notice_id = gap_notice_id("tl", "groningen", "primary", kNow);
  a.page_id = "P7";
  const auto taken = RotaNoticeReply::parse(run(lua::dispatch_rota_notice(), a.args()));
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->kind, RotaNoticeReply::Kind::ack_collision);
  EXPECT_FALSE(exists(notice_key(a.notice_id)));
}

}  // namespace
}  // namespace piket::store
