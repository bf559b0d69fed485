// piket-cases' Lua scripts (store/lua/cases/*.lua) and the functions they share
// (store/lua/lib/cases_*.lua), each run directly against a real redis-server (label redis) as
// the Redis user of the service that runs it: "cases", and "web" for the scripts piket-web
// runs in-process (load, record, absence, join, split) — so each test proves what the script
// does to the keys, its reply as the typed parsers of piket/store/case_scripts.hpp read it,
// and that the user may run everything it calls.
//
// A lib file is tested through a small harness: its embedded text (the file as the build
// expanded it) followed by a line that calls its functions with ARGV.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "piket/common/redis.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/case_scripts.hpp"
#include "piket/store/incident.hpp"
#include "piket/store/lua.hpp"
#include "piket/store/outbox.hpp"
#include "piket/store/page.hpp"
#include "private_redis.hpp"

namespace piket::store {
namespace {

namespace json = boost::json;
using common::RedisConnection;
using common::RedisReply;
using common::RedisScript;

std::set<std::string> as_set(const RedisReply& r) {
  std::set<std::string> out;
  for (const auto& e : r.elements) out.insert(e.str);
  return out;
}

const RedisScript& script(std::string_view (*text)()) {
  // One RedisScript per embedded script, for the whole run.
  static std::map<std::string_view (*)(), RedisScript> scripts;
  auto it = scripts.find(text);
  if (it == scripts.end()) it = scripts.emplace(text, RedisScript{std::string(text())}).first;
  return it->second;
}

class CasesScriptsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new test::PrivateRedis("piket-cases-lua"); }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }
  void SetUp() override { ops_.command({"FLUSHALL"}); }

  std::string hget(const std::string& key, const std::string& field) {
    return ops_.command({"HGET", key, field}).str;
  }
  bool hexists(const std::string& key, const std::string& field) {
    return ops_.command({"HEXISTS", key, field}).integer == 1;
  }
  std::vector<std::string> list(const std::string& key) {
    return ops_.command({"LRANGE", key, "0", "-1"}).element_strings();
  }
  std::set<std::string> members(std::string_view key) {
    return as_set(ops_.command({"SMEMBERS", std::string(key)}));
  }
  // deadlines:due as member -> score.
  std::map<std::string, std::string> timers() {
    const auto r = ops_.command({"ZRANGE", std::string(kDeadlinesDue), "0", "-1", "WITHSCORES"});
    std::map<std::string, std::string> out;
    for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2)
      out[r.elements[i].str] = r.elements[i + 1].str;
    return out;
  }
  // A case as ingest leaves it: open, in `region`, with `n` timeline entries.
  void open_case(const std::string& id, const std::string& region, int n = 0,
                 const std::string& casemanager = "") {
    ops_.command({"HSET", case_key(id), "state", "open", "region", region, "phase", "registered",
                  "opened_at", "1000"});
    if (!casemanager.empty()) {
      ops_.command({"HSET", case_key(id), "casemanager", casemanager});
      ops_.command({"SADD", caseload_key(casemanager), id});
    }
    ops_.command({"SADD", std::string(kCasesOpen), id});
    for (int i = 0; i < n; ++i)
      ops_.command({"RPUSH", case_timeline_key(id), R"({"type":"registered"})"});
  }
  // An incident of case `case_id` (appended to its incident list).
  void incident(const std::string& id, const std::string& case_id, const std::string& accepted_at,
                const std::string& partner = "police", const std::string& household = "") {
    ops_.command({"HSET", incident_key(id), "case_id", case_id, "kind", "code_red", "accepted_at",
                  accepted_at, "status", "dispatched", "partner", partner});
    if (!household.empty()) ops_.command({"HSET", incident_key(id), "household", household});
    ops_.command({"RPUSH", case_incidents_key(case_id), id});
  }

  static test::PrivateRedis* redis_;
  RedisConnection ops_{redis_->config()};
  RedisConnection cases_{redis_->config_as("cases")};
  RedisConnection web_{redis_->config_as("web")};
};
test::PrivateRedis* CasesScriptsTest::redis_ = nullptr;

// --- cases_load.lua (and lib/cases_load_case.lua) ---------------------------------------

// The whole state of a case: hash, version, incidents (missing fields ''), fired keys, the
// casemanager's absence and the watched reminders with their acknowledgement.
TEST_F(CasesScriptsTest, LoadReadsTheCaseItsIncidentsAbsenceAndWatchedReminders) {
  open_case("C1", "groningen", 3, "icm-1");
  ops_.command({"HSET", case_key("C1"), "phase", "intake"});
  incident("I1", "C1", "1100");
  ops_.command({"HSET", incident_key("I1"), "acknowledged_at", "1200", "contact_at", "1300"});
  ops_.command({"RPUSH", case_incidents_key("C1"), "I2"});  // no hash: every field ''
  ops_.command({"SADD", case_fired_key("C1"), "C1|plan|warn|1000", "C1|plan|due|1000"});
  ops_.command({"HSET", person_absence_key("icm-1"), "since", "5000", "until", "9000"});
  ops_.command({"HSET", case_reminders_key("C1"), "C1|plan|r1|1000", "P1 icm-1", "C1|plan|r2|1000",
                " icm-1", "C1|plan|r3|1000", "P3 icm-1"});
  ops_.command({"HSET", page_key("P1"), "acknowledged_at", "4000"});

  for (auto* user : {&cases_, &web_}) {
    const auto loaded =
        parse_loaded_case(user->eval(script(lua::cases_load), {}, CaseLoadArgs{"C1"}.args()));
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->version, 3);
    EXPECT_EQ(loaded->field("region"), "groningen");
    EXPECT_EQ(loaded->field("phase"), "intake");
    EXPECT_EQ(loaded->field("casemanager"), "icm-1");
    EXPECT_EQ(loaded->field("nothing"), "");
    ASSERT_EQ(loaded->incidents.size(), 2u);
    const auto& i1 = loaded->incidents[0];
    EXPECT_EQ(i1.id, "I1");
    EXPECT_EQ(i1.kind, "code_red");
    EXPECT_EQ(i1.accepted_at, "1100");
    EXPECT_EQ(i1.status, "dispatched");
    // (The incident's acknowledged_at is paging's and not read: the engine has
    // no acknowledgement clock.)
    EXPECT_EQ(i1.contact_at, "1300");
    EXPECT_EQ(i1.ban_ends_at, "");
    EXPECT_EQ(i1.plan_at, "");
    EXPECT_EQ(loaded->incidents[1].id, "I2");
    EXPECT_EQ(loaded->incidents[1].kind, "");
    EXPECT_EQ(std::set<std::string>(loaded->fired.begin(), loaded->fired.end()),
              (std::set<std::string>{"C1|plan|warn|1000", "C1|plan|due|1000"}));
    ASSERT_TRUE(loaded->absence);
    EXPECT_EQ(loaded->absence->person, "icm-1");
    EXPECT_EQ(loaded->absence->since, "5000");
    EXPECT_EQ(loaded->absence->until, "9000");
    std::map<std::string, LoadedReminder> rem;
    for (const auto& r : loaded->reminders) rem[r.key] = r;
    ASSERT_EQ(rem.size(), 3u);
    EXPECT_EQ(rem["C1|plan|r1|1000"].page, "P1");
    EXPECT_EQ(rem["C1|plan|r1|1000"].person, "icm-1");
    EXPECT_TRUE(rem["C1|plan|r1|1000"].acknowledged);
    EXPECT_EQ(rem["C1|plan|r2|1000"].page, "");
    EXPECT_FALSE(rem["C1|plan|r2|1000"].acknowledged);
    EXPECT_FALSE(rem["C1|plan|r3|1000"].acknowledged) << "page not acknowledged";
  }
}

TEST_F(CasesScriptsTest, LoadAnswersMissingForNoCaseAndNoAbsenceWithoutOne) {
  const auto r = cases_.eval(script(lua::cases_load), {}, CaseLoadArgs{"C404"}.args());
  EXPECT_EQ(r.element_strings(), (std::vector<std::string>{"missing"}));
  EXPECT_FALSE(parse_loaded_case(r));

  open_case("C1", "groningen");  // no casemanager: no absence read
  const auto loaded =
      parse_loaded_case(cases_.eval(script(lua::cases_load), {}, CaseLoadArgs{"C1"}.args()));
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->version, 0);
  EXPECT_FALSE(loaded->absence);
  EXPECT_TRUE(loaded->incidents.empty());
  EXPECT_TRUE(loaded->reminders.empty());
}

// --- cases_due_with_cases.lua -------------------------------------------------------------

// The timers due, earliest first, up to the first one of a case already listed, each with its
// case's state; the count is of all due up to the limit.
TEST_F(CasesScriptsTest, DueWithCasesStopsAtTheSecondTimerOfACase) {
  open_case("C1", "groningen", 2);
  ops_.command({"ZADD", std::string(kDeadlinesDue), "100", "C1|plan|a|0", "150", "C1|plan|b|0",
                "120", "C2|plan|x|0", "500", "C3|plan|later|0"});

  const auto all = parse_due_with_cases(
      cases_.eval(script(lua::cases_due_with_cases), {}, CaseDueArgs{200, 10}.args()));
  EXPECT_EQ(all.due, 3u);
  ASSERT_EQ(all.timers.size(), 2u);
  EXPECT_EQ(all.timers[0].member, "C1|plan|a|0");
  EXPECT_EQ(all.timers[0].due_ms, "100");
  ASSERT_TRUE(all.timers[0].state);
  EXPECT_EQ(all.timers[0].state->version, 2);
  EXPECT_EQ(all.timers[1].member, "C2|plan|x|0");
  EXPECT_EQ(all.timers[1].due_ms, "120");
  EXPECT_FALSE(all.timers[1].state) << "C2 has no case hash";

  const auto one = parse_due_with_cases(
      cases_.eval(script(lua::cases_due_with_cases), {}, CaseDueArgs{200, 1}.args()));
  EXPECT_EQ(one.due, 1u);
  ASSERT_EQ(one.timers.size(), 1u);
  EXPECT_EQ(one.timers[0].member, "C1|plan|a|0");

  const auto none = parse_due_with_cases(
      cases_.eval(script(lua::cases_due_with_cases), {}, CaseDueArgs{50, 10}.args()));
  EXPECT_EQ(none.due, 0u);
  EXPECT_TRUE(none.timers.empty());
  EXPECT_EQ(timers().size(), 4u) << "read only";
}

// --- cases_sync.lua (and lib/cases_sync_timers.lua) ---------------------------------------

TEST_F(CasesScriptsTest, SyncReplacesTheCasesTimersAndDropsThePoppedOne) {
  open_case("C1", "groningen", 1);
  ops_.command({"ZADD", std::string(kDeadlinesDue), "10", "C1|old1", "20", "C1|old2", "30",
                "C1|popped", "40", "C2|other"});
  ops_.command({"SET", case_timers_key("C1"), "C1|old1 C1|old2"});

  // Stale: the timeline grew since the case was loaded; nothing changes.
  auto r = cases_.eval(script(lua::cases_sync), {},
                       CaseSyncArgs{"C1", 0, "C1|popped", {{"C1|new", 99}}}.args());
  EXPECT_EQ(parse_case_write(r).outcome, "stale");
  EXPECT_EQ(timers().size(), 4u);

  r = cases_.eval(script(lua::cases_sync), {},
                  CaseSyncArgs{"C1", 1, "C1|popped", {{"C1|n1", 300}, {"C1|n2", 400}}}.args());
  EXPECT_EQ(parse_case_write(r).outcome, "done");
  EXPECT_EQ(timers(), (std::map<std::string, std::string>{
                          {"C1|n1", "300"}, {"C1|n2", "400"}, {"C2|other", "40"}}));
  EXPECT_EQ(ops_.command({"GET", case_timers_key("C1")}).str, "C1|n1 C1|n2");

  // No timers left: the list goes.
  r = cases_.eval(script(lua::cases_sync), {}, CaseSyncArgs{"C1", 1, "", {}}.args());
  EXPECT_EQ(parse_case_write(r).outcome, "done");
  EXPECT_EQ(timers(), (std::map<std::string, std::string>{{"C2|other", "40"}}));
  EXPECT_EQ(ops_.command({"EXISTS", case_timers_key("C1")}).integer, 0);

  // No case: only the popped timer goes.
  r = cases_.eval(script(lua::cases_sync), {},
                  CaseSyncArgs{"C2", 0, "C2|other", {{"C2|new", 1}}}.args());
  EXPECT_EQ(parse_case_write(r).outcome, "missing");
  EXPECT_TRUE(timers().empty());
}

// lib/cases_sync_timers.lua on its own: piket_sync_timers(c, popped, args, first).
TEST_F(CasesScriptsTest, LibSyncTimersReadsItsPairsFromTheGivenIndex) {
  const RedisScript harness{std::string(lua::cases_sync_timers()) +
                            "\npiket_sync_timers(ARGV[1], ARGV[2], ARGV, 4)\nreturn 1\n"};
  ops_.command({"ZADD", std::string(kDeadlinesDue), "5", "C1|a", "6", "C1|pop"});
  ops_.command({"SET", case_timers_key("C1"), "C1|a"});
  cases_.eval(harness, {}, {case_key("C1"), "C1|pop", "ignored", "C1|b", "70", "C1|c", "80"});
  EXPECT_EQ(timers(), (std::map<std::string, std::string>{{"C1|b", "70"}, {"C1|c", "80"}}));
  EXPECT_EQ(ops_.command({"GET", case_timers_key("C1")}).str, "C1|b C1|c");
}

// --- cases_fire.lua -----------------------------------------------------------------------

CaseFireArgs a_firing(long long version) {
  CaseFireArgs f;
  f.case_id = "C1";
  f.version = version;
  f.key = "C1|plan|escalate|1000";
  f.popped = "C1|plan|escalate|1000";
  f.page = CasePageArgs{"P1",      "tl-g", "+31600000001",           "plan overdue",
                        "4711",    "I1",   "deadline:plan:escalate", 75 * 60000,
                        "plan C1", 20};
  f.now_ms = 50000;
  f.outbox_due_ms = 60000;
  f.timeline_json = R"({"type":"escalated","page":"P1"})";
  f.escalate_incident = "I1";
  f.watch = CaseReminderWatch{"P1", "tl-g"};
  f.forget_reminders = {"C1|plan|old|1000"};
  f.timers = {{"C1|plan|next|1000", 90000}};
  return f;
}

// One step: the step's key, its page (hash, reply code, notify outbox), the timeline entry,
// the incident escalated, the watched reminders and the timers — and its reply.
TEST_F(CasesScriptsTest, FireTakesTheStepWithItsPageTimelineIncidentRemindersAndTimers) {
  open_case("C1", "groningen", 2, "icm-1");
  incident("I1", "C1", "1100");
  ops_.command({"HSET", case_reminders_key("C1"), "C1|plan|old|1000", "P0 icm-1"});
  ops_.command({"ZADD", std::string(kDeadlinesDue), "1000", "C1|plan|escalate|1000"});

  const auto r = parse_case_write(cases_.eval(script(lua::cases_fire), {}, a_firing(2).args()));
  EXPECT_EQ(r.outcome, "done");
  EXPECT_EQ(json::parse(r.payload).at("page_id").as_string(), "P1");

  EXPECT_TRUE(members(case_fired_key("C1")).count("C1|plan|escalate|1000"));
  const auto page = page_key("P1");
  EXPECT_EQ(hget(page, "state"), "queued");
  EXPECT_EQ(hget(page, "case"), "C1");
  EXPECT_EQ(hget(page, "incident"), "I1");
  EXPECT_EQ(hget(page, "person"), "tl-g");
  EXPECT_EQ(hget(page, "to"), "+31600000001");
  EXPECT_EQ(hget(page, "rule"), "deadline:plan:escalate");
  EXPECT_EQ(hget(page, "step"), "C1|plan|escalate|1000");
  EXPECT_EQ(hget(page, "ack_code"), "4711");
  EXPECT_EQ(hget(page, "code_until"), std::to_string(50000 + 75 * 60000));
  EXPECT_EQ(hget(page, "brief"), "plan C1");
  EXPECT_EQ(hget(page, "rank"), "20");
  EXPECT_EQ(hget(page, "created_at"), "50000");
  EXPECT_EQ(ops_.command({"GET", ackcode_key("tl-g", "4711")}).str, "P1");
  EXPECT_EQ(ops_.command({"ZSCORE", outbox_due_key("notify"), "P1"}).str, "60000");
  EXPECT_EQ(list(case_timeline_key("C1")).back(), R"({"type":"escalated","page":"P1"})");
  EXPECT_EQ(list(case_timeline_key("C1")).size(), 3u);
  EXPECT_EQ(hget(incident_key("I1"), "status"), "escalated");
  EXPECT_EQ(hget(incident_key("I1"), "escalated_at"), "50000");
  EXPECT_EQ(hget(case_reminders_key("C1"), "C1|plan|escalate|1000"), "P1 tl-g");
  EXPECT_FALSE(hexists(case_reminders_key("C1"), "C1|plan|old|1000"));
  EXPECT_EQ(timers(), (std::map<std::string, std::string>{{"C1|plan|next|1000", "90000"}}));
}

TEST_F(CasesScriptsTest, FireRefusesStaleDuplicateAndCollidingStepsWritingOnlyTimers) {
  open_case("C1", "groningen", 2);
  incident("I1", "C1", "1100");

  // Stale: nothing written.
  EXPECT_EQ(parse_case_write(cases_.eval(script(lua::cases_fire), {}, a_firing(1).args())).outcome,
            "stale");
  EXPECT_EQ(ops_.command({"EXISTS", page_key("P1")}).integer, 0);
  EXPECT_TRUE(timers().empty());

  // Collision: the page id is taken; nothing written, the step not taken.
  ops_.command({"HSET", page_key("P1"), "state", "sent"});
  EXPECT_EQ(parse_case_write(cases_.eval(script(lua::cases_fire), {}, a_firing(2).args())).outcome,
            "collision");
  EXPECT_TRUE(members(case_fired_key("C1")).empty());
  EXPECT_EQ(hget(incident_key("I1"), "status"), "dispatched");
  ops_.command({"DEL", page_key("P1")});
  // ... or the person's reply code is.
  ops_.command({"SET", ackcode_key("tl-g", "4711"), "P0"});
  EXPECT_EQ(parse_case_write(cases_.eval(script(lua::cases_fire), {}, a_firing(2).args())).outcome,
            "collision");
  EXPECT_EQ(ops_.command({"EXISTS", page_key("P1")}).integer, 0);
  ops_.command({"DEL", ackcode_key("tl-g", "4711")});

  // Duplicate: the step was taken; only the timers are stored.
  ops_.command({"SADD", case_fired_key("C1"), "C1|plan|escalate|1000"});
  ops_.command({"ZADD", std::string(kDeadlinesDue), "1000", "C1|plan|escalate|1000"});
  const auto r = cases_.eval(script(lua::cases_fire), {}, a_firing(2).args());
  EXPECT_EQ(r.element_strings(), (std::vector<std::string>{"duplicate"}));
  EXPECT_EQ(parse_case_write(r).outcome, "duplicate");
  EXPECT_EQ(ops_.command({"EXISTS", page_key("P1")}).integer, 0);
  EXPECT_EQ(list(case_timeline_key("C1")).size(), 2u);
  EXPECT_EQ(timers(), (std::map<std::string, std::string>{{"C1|plan|next|1000", "90000"}}));
}

// A step without a reply code pages information; one without a page writes no page at all.
TEST_F(CasesScriptsTest, FireWithAnInformationPageOrNoPage) {
  open_case("C1", "groningen", 0);
  auto info = a_firing(0);
  info.page->ack_code = "";
  info.escalate_incident = "";
  info.watch.reset();
  EXPECT_EQ(parse_case_write(cases_.eval(script(lua::cases_fire), {}, info.args())).outcome,
            "done");
  EXPECT_EQ(hget(page_key("P1"), "info"), "1");
  EXPECT_FALSE(hexists(page_key("P1"), "ack_code"));
  EXPECT_FALSE(hexists(case_reminders_key("C1"), "C1|plan|escalate|1000"));

  auto none = a_firing(1);
  none.key = "C1|plan|note|1000";
  none.page.reset();
  none.escalate_incident = "";
  none.watch = CaseReminderWatch{"", "icm-1"};
  const auto r = parse_case_write(cases_.eval(script(lua::cases_fire), {}, none.args()));
  EXPECT_EQ(r.outcome, "done");
  EXPECT_EQ(r.payload, "");
  EXPECT_EQ(hget(case_reminders_key("C1"), "C1|plan|note|1000"), " icm-1");
  EXPECT_EQ(list(case_timeline_key("C1")).size(), 2u);
}

// --- cases_record.lua (and lib/cases_monitoring_refresh.lua) ------------------------------

CaseRecordArgs a_record(long long version) {
  CaseRecordArgs a;
  a.case_id = "C1";
  a.version = version;
  a.timeline_json = R"({"type":"handover"})";
  a.fields = {{"phase", "handover"}, {"handover_at", "7000"}};
  a.incident_fields = {{"I1", "contact_at", "6500"}};
  a.timers = {{"C1|monitoring|checkin|7000", 99000}};
  return a;
}

TEST_F(CasesScriptsTest, RecordWritesFieldsIncidentFieldsTimelineMonitoringAndTimers) {
  for (auto* user : {&cases_, &web_}) {
    ops_.command({"FLUSHALL"});
    open_case("C1", "groningen", 1, "icm-1");
    incident("I1", "C1", "1100");
    ops_.command({"ZADD", std::string(kDeadlinesDue), "10", "C1|plan|old|0"});
    ops_.command({"SET", case_timers_key("C1"), "C1|plan|old|0"});

    EXPECT_EQ(
        parse_case_write(user->eval(script(lua::cases_record), {}, a_record(1).args())).outcome,
        "done");
    EXPECT_EQ(hget(case_key("C1"), "phase"), "handover");
    EXPECT_EQ(hget(case_key("C1"), "handover_at"), "7000");
    EXPECT_EQ(hget(incident_key("I1"), "contact_at"), "6500");
    EXPECT_EQ(list(case_timeline_key("C1")).back(), R"({"type":"handover"})");
    EXPECT_TRUE(members(kCasesMonitoring).count("C1")) << "handover: in the monitoring set";
    EXPECT_EQ(timers(),
              (std::map<std::string, std::string>{{"C1|monitoring|checkin|7000", "99000"}}));

    // Reassigned: the caseloads follow.
    auto re = a_record(2);
    re.fields.clear();
    re.incident_fields.clear();
    re.op = CaseRecordArgs::Op::reassign;
    re.new_casemanager = "icm-2";
    EXPECT_EQ(parse_case_write(user->eval(script(lua::cases_record), {}, re.args())).outcome,
              "done");
    EXPECT_EQ(hget(case_key("C1"), "casemanager"), "icm-2");
    EXPECT_FALSE(members(caseload_key("icm-1")).count("C1"));
    EXPECT_TRUE(members(caseload_key("icm-2")).count("C1"));

    // Closed: out of the open set, the monitoring set and the caseload.
    auto close = a_record(3);
    close.fields = {{"state", "closed"}, {"phase", "closed"}};
    close.incident_fields.clear();
    close.op = CaseRecordArgs::Op::close;
    close.timers.clear();
    EXPECT_EQ(parse_case_write(user->eval(script(lua::cases_record), {}, close.args())).outcome,
              "done");
    EXPECT_FALSE(members(kCasesOpen).count("C1"));
    EXPECT_FALSE(members(kCasesMonitoring).count("C1"));
    EXPECT_FALSE(members(caseload_key("icm-2")).count("C1"));
    EXPECT_TRUE(timers().empty());

    // A closed case takes nothing more.
    EXPECT_EQ(
        parse_case_write(user->eval(script(lua::cases_record), {}, a_record(4).args())).outcome,
        "closed");
    EXPECT_EQ(list(case_timeline_key("C1")).size(), 4u);
  }
}

TEST_F(CasesScriptsTest, RecordRefusesAMissingOrStaleCaseAndAnotherCasesIncident) {
  EXPECT_EQ(
      parse_case_write(cases_.eval(script(lua::cases_record), {}, a_record(0).args())).outcome,
      "missing");
  open_case("C1", "groningen", 1);
  incident("I1", "C2", "1100");  // another case's incident
  EXPECT_EQ(
      parse_case_write(cases_.eval(script(lua::cases_record), {}, a_record(0).args())).outcome,
      "stale");
  EXPECT_EQ(list(case_timeline_key("C1")).size(), 1u) << "stale version: nothing written";
  EXPECT_EQ(
      parse_case_write(cases_.eval(script(lua::cases_record), {}, a_record(1).args())).outcome,
      "stale");
  EXPECT_EQ(hget(case_key("C1"), "phase"), "registered") << "no field of the refused event";
  EXPECT_FALSE(hexists(incident_key("I1"), "contact_at"));
}

// lib/cases_monitoring_refresh.lua on its own.
TEST_F(CasesScriptsTest, LibMonitoringRefreshFollowsStateAndPhase) {
  const RedisScript harness{std::string(lua::cases_monitoring_refresh()) +
                            "\nfor _, id in ipairs(ARGV) do piket_monitoring_refresh(id) end\n"
                            "return 1\n"};
  open_case("C1", "groningen");
  ops_.command({"HSET", case_key("C1"), "phase", "monitoring"});
  open_case("C2", "groningen");
  ops_.command({"HSET", case_key("C2"), "phase", "help"});
  open_case("C3", "groningen");
  ops_.command({"HSET", case_key("C3"), "phase", "handover", "state", "merged"});
  ops_.command({"SADD", std::string(kCasesMonitoring), "C2", "C3", "C9"});
  cases_.eval(harness, {}, {"C1", "C2", "C3", "C9"});
  EXPECT_EQ(members(kCasesMonitoring), (std::set<std::string>{"C1"}));
}

// --- cases_monitoring_refresh_all.lua ------------------------------------------------------

TEST_F(CasesScriptsTest, MonitoringRefreshAllRebuildsTheSetFromTheOpenCases) {
  open_case("C1", "groningen");
  ops_.command({"HSET", case_key("C1"), "phase", "handover"});
  open_case("C2", "groningen");
  ops_.command({"HSET", case_key("C2"), "phase", "help"});
  ops_.command({"SADD", std::string(kCasesMonitoring), "C2", "C9"});  // stale members
  const auto r = cases_.eval(script(lua::cases_monitoring_refresh_all), {}, {});
  EXPECT_EQ(r.integer, 1);
  EXPECT_EQ(members(kCasesMonitoring), (std::set<std::string>{"C1"}));
}

// --- cases_absence.lua --------------------------------------------------------------------

TEST_F(CasesScriptsTest, AbsenceIsRecordedNotedOnEachCaseAndWakesTheEngine) {
  for (auto* user : {&cases_, &web_}) {
    ops_.command({"FLUSHALL"});
    open_case("C1", "groningen", 0, "icm-1");
    open_case("C2", "groningen", 0, "icm-1");
    // A later resync timer moves earlier (ZADD LT); an earlier one stays.
    ops_.command({"ZADD", std::string(kDeadlinesDue), "99999", deadline_resync_member("C1"), "10",
                  deadline_resync_member("C2")});

    const auto n =
        user->eval(script(lua::cases_absence), {},
                   CaseAbsenceArgs{"icm-1", true, 5000, 9000, by_person("tl-g"), 6000}.args());
    EXPECT_EQ(n.integer, 2);
    const auto key = person_absence_key("icm-1");
    EXPECT_EQ(hget(key, "since"), "5000");
    EXPECT_EQ(hget(key, "until"), "9000");
    EXPECT_EQ(hget(key, "by"), by_person("tl-g"));
    EXPECT_EQ(hget(key, "recorded_at"), "6000");
    for (const auto& id : {"C1", "C2"}) {
      const auto entry = json::parse(list(case_timeline_key(id)).back()).as_object();
      EXPECT_EQ(entry.at("type").as_string(), "casemanager_absent");
      EXPECT_EQ(entry.at("person").as_string(), "icm-1");
      EXPECT_EQ(entry.at("since").to_number<long long>(), 5000);
      EXPECT_EQ(entry.at("until").to_number<long long>(), 9000);
      EXPECT_EQ(entry.at("at").to_number<long long>(), 6000);
    }
    EXPECT_EQ(timers(), (std::map<std::string, std::string>{{deadline_resync_member("C1"), "6000"},
                                                            {deadline_resync_member("C2"), "10"}}));

    // Open-ended, then available again.
    user->eval(script(lua::cases_absence), {},
               CaseAbsenceArgs{"icm-1", true, 5000, std::nullopt, by_person("tl-g"), 6100}.args());
    EXPECT_FALSE(hexists(key, "until"));
    const auto back = user->eval(
        script(lua::cases_absence), {},
        CaseAbsenceArgs{"icm-1", false, 0, std::nullopt, by_person("icm-1"), 7000}.args());
    EXPECT_EQ(back.integer, 2);
    EXPECT_EQ(ops_.command({"EXISTS", key}).integer, 0);
    EXPECT_EQ(json::parse(list(case_timeline_key("C2")).back()).at("type").as_string(),
              "casemanager_available");
    EXPECT_EQ(list(case_timeline_key("C2")).size(), 3u);
  }
}

// --- cases_join.lua, cases_split.lua (and lib/cases_family.lua) ---------------------------

class CaseFamilyScriptsTest : public CasesScriptsTest {
 protected:
  // S (police, household hh-1, no casemanager, registered) and A (veilig-thuis, household
  // vt-1, casemanager icm-2, first contact made, a timer running) in one region.
  void two_cases() {
    open_case("S", "groningen", 1);
    ops_.command({"HSET", case_key("S"), "partner", "police", "household", "hh-1"});
    incident("IS1", "S", "1000", "police", "hh-1");
    incident("IS2", "S", "3000", "police", "hh-1");
    ops_.command({"SET", household_key("police", "hh-1"), "S"});
    open_case("A", "groningen", 2, "icm-2");
    ops_.command({"HSET", case_key("A"), "partner", "veilig-thuis", "household", "vt-1", "phase",
                  "first_contact", "phase_at", "2500", "first_contact_at", "2500",
                  "last_activity_at", "2500"});
    incident("IA1", "A", "2000", "veilig-thuis", "vt-1");
    ops_.command({"SET", household_key("veilig-thuis", "vt-1"), "A"});
    ops_.command({"SADD", case_fired_key("A"), "A|plan|warn|2000", "X|other|step|0"});
    ops_.command({"ZADD", std::string(kDeadlinesDue), "8000", "A|plan|due|2000", "8100",
                  deadline_resync_member("A")});
    ops_.command({"SET", case_timers_key("A"), "A|plan|due|2000"});
  }
  CaseFamilyArgs args(long long s_version, long long a_version) {
    return CaseFamilyArgs{"S", "A", 9000, by_person("tl-g"), "one family", s_version, a_version};
  }
};

TEST_F(CaseFamilyScriptsTest, JoinMovesTheFamilyIntoTheSurvivorAndSplitUndoesIt) {
  for (auto* user : {&cases_, &web_}) {
    ops_.command({"FLUSHALL"});
    two_cases();

    auto j = parse_case_family(user->eval(script(lua::cases_join), {}, args(1, 2).args()));
    EXPECT_EQ(j.outcome, "done");
    EXPECT_EQ(j.household_keys, 1);
    EXPECT_EQ(j.incidents, (std::vector<std::string>{"IA1"}));
    EXPECT_EQ(list(case_incidents_key("S")), (std::vector<std::string>{"IS1", "IA1", "IS2"}))
        << "in acceptance order";
    EXPECT_EQ(hget(incident_key("IA1"), "case_id"), "S");
    EXPECT_EQ(ops_.command({"GET", household_key("veilig-thuis", "vt-1")}).str, "S");
    EXPECT_TRUE(members(case_fired_key("S")).count("S|plan|warn|2000"));
    EXPECT_FALSE(members(case_fired_key("S")).count("S|other|step|0"));
    EXPECT_EQ(timers(), (std::map<std::string, std::string>{{deadline_resync_member("S"), "9000"}}))
        << "A's timers and resync gone; S evaluated now";
    EXPECT_EQ(ops_.command({"EXISTS", case_timers_key("A")}).integer, 0);
    EXPECT_EQ(members(kCasesOpen), (std::set<std::string>{"S"}));
    EXPECT_EQ(members(caseload_key("icm-2")), (std::set<std::string>{"S"}));
    EXPECT_EQ(hget(case_key("S"), "casemanager"), "icm-2");
    EXPECT_EQ(hget(case_key("S"), "phase"), "first_contact");
    EXPECT_EQ(hget(case_key("S"), "first_contact_at"), "2500");
    EXPECT_EQ(hget(case_key("S"), "joined_cases"), "A");
    EXPECT_EQ(hget(case_key("A"), "state"), "merged");
    EXPECT_EQ(hget(case_key("A"), "merged_into"), "S");
    EXPECT_EQ(hget(case_key("A"), "merged_by"), by_person("tl-g"));
    EXPECT_EQ(hget(case_key("A"), "merged_households"), household_key("veilig-thuis", "vt-1"));
    const auto changed = json::parse(hget(case_key("A"), "merge_changed")).as_object();
    EXPECT_EQ(changed.at("phase").as_string(), "registered");
    EXPECT_FALSE(changed.at("casemanager").as_bool()) << "S had none: false";
    const auto sj = json::parse(list(case_timeline_key("S")).back()).as_object();
    EXPECT_EQ(sj.at("type").as_string(), "case_joined");
    EXPECT_EQ(sj.at("other").as_string(), "A");
    EXPECT_EQ(sj.at("reason").as_string(), "one family");
    EXPECT_EQ(json::parse(list(case_timeline_key("A")).back()).at("type").as_string(),
              "case_merged");

    // An incident of A's household accepted after the join goes back with it.
    incident("IN", "S", "9500", "veilig-thuis", "vt-1");
    auto s = parse_case_family(user->eval(script(lua::cases_split), {}, args(2, 3).args()));
    EXPECT_EQ(s.outcome, "done");
    EXPECT_EQ(s.household_keys, 1);
    EXPECT_EQ(s.incidents, (std::vector<std::string>{"IA1", "IN"}));
    EXPECT_EQ(list(case_incidents_key("S")), (std::vector<std::string>{"IS1", "IS2"}));
    EXPECT_EQ(list(case_incidents_key("A")), (std::vector<std::string>{"IA1", "IN"}));
    EXPECT_EQ(hget(incident_key("IN"), "case_id"), "A");
    EXPECT_EQ(ops_.command({"GET", household_key("veilig-thuis", "vt-1")}).str, "A");
    EXPECT_EQ(ops_.command({"GET", household_key("police", "hh-1")}).str, "S");
    EXPECT_EQ(hget(case_key("A"), "state"), "open");
    EXPECT_FALSE(hexists(case_key("A"), "merged_into"));
    EXPECT_FALSE(hexists(case_key("A"), "merge_changed"));
    EXPECT_EQ(hget(case_key("S"), "phase"), "registered");
    EXPECT_FALSE(hexists(case_key("S"), "casemanager"));
    EXPECT_FALSE(hexists(case_key("S"), "first_contact_at"));
    EXPECT_FALSE(hexists(case_key("S"), "joined_cases"));
    EXPECT_EQ(members(kCasesOpen), (std::set<std::string>{"S", "A"}));
    EXPECT_EQ(members(caseload_key("icm-2")), (std::set<std::string>{"A"}));
    EXPECT_EQ(json::parse(list(case_timeline_key("S")).back()).at("type").as_string(),
              "case_split");
    EXPECT_EQ(json::parse(list(case_timeline_key("A")).back()).at("other").as_string(), "S");
    EXPECT_EQ(timers(),
              (std::map<std::string, std::string>{{deadline_resync_member("S"), "9000"},
                                                  {deadline_resync_member("A"), "9000"}}));
  }
}

TEST_F(CaseFamilyScriptsTest, JoinAndSplitRefuseStaleOrMismatchedCasesWritingNothing) {
  two_cases();
  const auto before = list(case_incidents_key("S"));
  // A version that moved on.
  EXPECT_EQ(parse_case_family(cases_.eval(script(lua::cases_join), {}, args(1, 1).args())).outcome,
            "stale");
  // Different regions.
  ops_.command({"HSET", case_key("A"), "region", "drenthe"});
  EXPECT_EQ(parse_case_family(cases_.eval(script(lua::cases_join), {}, args(1, 2).args())).outcome,
            "stale");
  EXPECT_EQ(list(case_incidents_key("S")), before);
  EXPECT_EQ(hget(case_key("A"), "state"), "open");
  // A split of a case that was never joined.
  ops_.command({"HSET", case_key("A"), "region", "groningen"});
  EXPECT_EQ(parse_case_family(cases_.eval(script(lua::cases_split), {}, args(1, 2).args())).outcome,
            "stale");
  EXPECT_EQ(members(kCasesOpen), (std::set<std::string>{"S", "A"}));
  EXPECT_EQ(list(case_timeline_key("S")).size(), 1u);
}

// lib/cases_family.lua on its own: the home ban rebuilt from the incidents, the household keys
// of a case, the fired keys copied, the timers dropped, the versions checked.
TEST_F(CaseFamilyScriptsTest, LibFamilyFunctions) {
  const RedisScript harness{std::string(lua::cases_family()) + R"(
local op = ARGV[1]
if op == 'ban' then
  local b = piket_ban_rebuild(ARGV[2])
  if not b then return {} end
  return {tostring(b.first), tostring(b.stop), b.state}
elseif op == 'households' then return piket_family_household_keys(ARGV[2])
elseif op == 'copy' then piket_family_copy_fired(ARGV[2], ARGV[3]) return 1
elseif op == 'drop' then piket_family_drop_timers(ARGV[2]) return 1
elseif op == 'versions' then
  return piket_family_versions_hold(ARGV[2], ARGV[3], ARGV[4], ARGV[5]) and 1 or 0
elseif op == 'words' then return piket_words(ARGV[2])
end
)"};
  two_cases();
  // A ban, extended: one ban from the first start to the later end, with its history.
  ops_.command({"HSET", incident_key("IS1"), "kind", "home_ban", "ban_starts_at", "1000",
                "ban_ends_at", "5000"});
  ops_.command({"HSET", incident_key("IS2"), "kind", "home_ban_extended", "ban_starts_at", "4000",
                "ban_ends_at", "7000"});
  EXPECT_EQ(cases_.eval(harness, {}, {"ban", "S"}).element_strings(),
            (std::vector<std::string>{"1000", "7000", "in_force"}));
  EXPECT_EQ(hget(case_key("S"), "ban_first_start"), "1000");
  EXPECT_EQ(hget(case_key("S"), "ban_end"), "7000");
  EXPECT_EQ(hget(case_key("S"), "ban_state"), "in_force");
  EXPECT_EQ(list(case_ban_key("S")).size(), 2u);
  // No ban incidents: no ban, the fields go.
  EXPECT_TRUE(cases_.eval(harness, {}, {"ban", "A"}).elements.empty());
  EXPECT_FALSE(hexists(case_key("A"), "ban_end"));

  ops_.command({"HSET", case_key("S"), "joined_cases", "A"});
  ops_.command({"HSET", case_key("A"), "merged_households",
                household_key("x", "1") + " " + household_key("y", "2")});
  EXPECT_EQ(cases_.eval(harness, {}, {"households", "S"}).element_strings(),
            (std::vector<std::string>{household_key("police", "hh-1"), household_key("x", "1"),
                                      household_key("y", "2")}));

  cases_.eval(harness, {}, {"copy", "A", "S"});
  EXPECT_EQ(members(case_fired_key("S")), (std::set<std::string>{"S|plan|warn|2000"}));

  cases_.eval(harness, {}, {"drop", "A"});
  EXPECT_TRUE(timers().empty());
  EXPECT_EQ(ops_.command({"EXISTS", case_timers_key("A")}).integer, 0);

  EXPECT_EQ(cases_.eval(harness, {}, {"versions", case_key("S"), case_key("A"), "1", "2"}).integer,
            1);
  EXPECT_EQ(cases_.eval(harness, {}, {"versions", case_key("S"), case_key("A"), "1", "3"}).integer,
            0);
  EXPECT_EQ(cases_.eval(harness, {}, {"words", " a  b c "}).element_strings(),
            (std::vector<std::string>{"a", "b", "c"}));
}

}  // namespace
}  // namespace piket::store
