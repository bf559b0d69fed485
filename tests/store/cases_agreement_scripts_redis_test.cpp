// cases_agreement.lua (issue 16) and the agreements piket_load_case reads, run against a real
// redis-server as the Redis users that run them ("cases"; "web" loads cases in-process): what
// the script writes — the record, the timeline entry, the case fields, the timers — and that
// every refusal writes nothing.
#include <map>
#include <string>
#include <vector>

#include "case_script_fixture.hpp"

namespace piket::store {
namespace {

using common::RedisConnection;

const common::RedisScript& agreement_script() {
  static const common::RedisScript s{std::string(lua::cases_agreement())};
  return s;
}

class CasesAgreementScriptTest : public test::CaseScriptTest {
 protected:
  void SetUp() override { open_case("C1|plan|escalate|1000"); }

  CaseAgreementArgs a_new(const std::string& id, long long version) const {
    return CaseAgreementArgs{.case_id = "C1",
                             .version = version,
                             .agreement_id = id,
                             .fresh = true,
                             .record_json = R"({"id":")" + id + R"(","text":"secret plan"})",
                             .timeline_json = R"({"type":"agreement","agreement":")" + id + "\"}",
                             .max_agreements = 2,
                             .fields = {{"last_activity_at", "2000"}},
                             .timers = {{"C1|agreement|overdue|" + id, 9000}}};
  }
  std::string run(RedisConnection& as, const CaseAgreementArgs& a) {
    return parse_case_write(as.eval(agreement_script(), {}, a.args())).outcome;
  }
};

TEST_F(CasesAgreementScriptTest, ANewAgreementWritesItsRecordEntryFieldsAndTimers) {
  EXPECT_EQ(run(cases_, a_new("A1", 1)), "done");
  EXPECT_EQ(ops_.command({"HGET", case_agreements_key("C1"), "A1"}).str,
            R"({"id":"A1","text":"secret plan"})");
  EXPECT_EQ(timeline_length(), 2);
  EXPECT_EQ(ops_.command({"LINDEX", case_timeline_key("C1"), "-1"}).str,
            R"({"type":"agreement","agreement":"A1"})");
  EXPECT_EQ(ops_.command({"HGET", case_key("C1"), "last_activity_at"}).str, "2000");
  // The case's timers are replaced exactly.
  EXPECT_EQ(due(), (std::map<std::string, std::string>{{"C1|agreement|overdue|A1", "9000"}}));
  EXPECT_EQ(ops_.command({"GET", case_timers_key("C1")}).str, "C1|agreement|overdue|A1");

  // The load (as both users that run it) returns the agreements.
  for (auto* user : {&cases_, &web_}) {
    const auto loaded = load(*user);
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->version, 2);
    ASSERT_EQ(loaded->agreements.size(), 1u);
    EXPECT_EQ(loaded->agreements[0].first, "A1");
    EXPECT_EQ(loaded->agreements[0].second, R"({"id":"A1","text":"secret plan"})");
  }
}

TEST_F(CasesAgreementScriptTest, AChangeReplacesTheRecordOfAnAgreementTheCaseHas) {
  ASSERT_EQ(run(cases_, a_new("A1", 1)), "done");
  auto change = a_new("A1", 2);
  change.fresh = false;
  change.record_json = R"({"id":"A1","state":"done"})";
  change.timers = {};
  EXPECT_EQ(run(cases_, change), "done");
  EXPECT_EQ(ops_.command({"HGET", case_agreements_key("C1"), "A1"}).str,
            R"({"id":"A1","state":"done"})");
  EXPECT_EQ(timeline_length(), 3);
  EXPECT_TRUE(due().empty()) << "no timers: the clock stopped";
  EXPECT_EQ(ops_.command({"EXISTS", case_timers_key("C1")}).integer, 0);
}

TEST_F(CasesAgreementScriptTest, RefusalsWriteNothing) {
  ASSERT_EQ(run(cases_, a_new("A1", 1)), "done");
  const auto before_due = due();
  auto unchanged = [&](const std::string& why) {
    EXPECT_EQ(timeline_length(), 2) << why;
    EXPECT_EQ(ops_.command({"HLEN", case_agreements_key("C1")}).integer, 1) << why;
    EXPECT_EQ(due(), before_due) << why;
  };
  EXPECT_EQ(run(cases_, a_new("A2", 1)), "stale");  // the timeline grew
  unchanged("stale");
  EXPECT_EQ(run(cases_, a_new("A1", 2)), "exists");  // the id is taken
  unchanged("exists");
  auto change = a_new("A7", 2);
  change.fresh = false;
  EXPECT_EQ(run(cases_, change), "unknown");
  unchanged("unknown");
  auto missing = a_new("A2", 0);
  missing.case_id = "C404";
  EXPECT_EQ(run(cases_, missing), "missing");
  unchanged("missing");
  ASSERT_EQ(run(cases_, a_new("A2", 2)), "done");
  EXPECT_EQ(run(cases_, a_new("A3", 3)), "full");  // max_agreements 2
  EXPECT_EQ(timeline_length(), 3);
  EXPECT_EQ(ops_.command({"HLEN", case_agreements_key("C1")}).integer, 2);
  ops_.command({"HSET", case_key("C1"), "state", "closed"});
  auto closed = a_new("A3", 3);
  closed.max_agreements = 10;
  EXPECT_EQ(run(cases_, closed), "closed");
  EXPECT_EQ(timeline_length(), 3);
}

// A referral done: its wait (asked → help started) in its region's record, so the board
// reads closed cases' waits without loading them; the record kept to its window and bound.
TEST_F(CasesAgreementScriptTest, AReferralDoneAddsItsWaitToTheRegionsBoundedRecord) {
  const auto waits = referral_waits_key("groningen");
  const auto entries = [&] {
    return ops_.command({"ZRANGE", waits, "0", "-1", "WITHSCORES"}).element_strings();
  };
  ops_.command({"ZADD", waits, "100", "C0 A1 vz-noord 50"});  // older than the window
  ASSERT_EQ(run(cases_, a_new("A1", 1)), "done");
  EXPECT_EQ(entries().size(), 2u) << "a new agreement adds no wait";
  long long version = 2;
  const auto change = [&](RedisConnection& as, const std::string& id, const std::string& record) {
    auto c = a_new(id, version);
    c.fresh = false;
    c.record_json = record;
    c.timers = {};
    c.waits_window_ms = 10000;
    c.waits_max = 3;
    const auto out = run(as, c);
    if (out == "done") ++version;
    return out;
  };
  // Not done, or not a referral (no requested_at): nothing.
  ASSERT_EQ(change(cases_, "A1",
                   R"({"id":"A1","who":"vz-noord","state":"missed","requested_at":1000,)"
                   R"("changed_at":20000})"),
            "done");
  ASSERT_EQ(change(cases_, "A1", R"({"id":"A1","who":"family","state":"done","changed_at":20000})"),
            "done");
  EXPECT_EQ(entries().size(), 2u);
  // Done with its start: "{case} {agreement} {partner} {wait_ms}" → started_at; the entry
  // older than the window (10 s before the change) goes.
  ASSERT_EQ(change(cases_, "A1",
                   R"({"id":"A1","who":"vz-noord","state":"done","requested_at":12000,)"
                   R"("started_at":15000,"changed_at":20000,"text":"secret plan"})"),
            "done");
  EXPECT_EQ(entries(), (std::vector<std::string>{"C1 A1 vz-noord 3000", "15000"}));
  // Run by piket-web in-process too; at most three kept, the latest started.
  ops_.command({"HSET", case_agreements_key("C1"), "A2", "{}", "A3", "{}", "A4", "{}"});
  for (const auto* id : {"A2", "A3", "A4"}) {
    const auto started = std::to_string(16000 + 1000 * (id[1] - '0'));
    ASSERT_EQ(change(web_, id,
                     std::string(R"({"id":")") + id +
                         R"(","who":"jz-stad","state":"done","requested_at":12000,"started_at":)" +
                         started + R"(,"changed_at":21000})"),
              "done");
  }
  EXPECT_EQ(entries(),
            (std::vector<std::string>{"C1 A2 jz-stad 6000", "18000", "C1 A3 jz-stad 7000", "19000",
                                      "C1 A4 jz-stad 8000", "20000"}));
  EXPECT_EQ(entries().size() / 2, 3u) << "bounded";
  const auto all = ops_.command({"ZRANGE", waits, "0", "-1"}).element_strings();
  for (const auto& e : all) EXPECT_EQ(e.find("secret"), std::string::npos) << "no text";
}

}  // namespace
}  // namespace piket::store
