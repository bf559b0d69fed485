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

}  // namespace
}  // namespace piket::store
