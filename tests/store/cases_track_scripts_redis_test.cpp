// cases_track.lua (issue 16, the three tracks) and the roles and tracks piket_load_case
// reads, run against a real redis-server as the Redis users that run them ("cases"; "web"
// loads cases in-process): what the script writes — the record, the timeline entry, the
// case fields, the timers —, that every refusal writes nothing, and that the load gives
// the incidents' person roles and nothing else of a person.
#include <string>
#include <vector>

#include "case_script_fixture.hpp"
#include "piket/store/incident.hpp"

namespace piket::store {
namespace {

using common::RedisConnection;

const common::RedisScript& track_script() {
  static const common::RedisScript s{std::string(lua::cases_track())};
  return s;
}

class CasesTrackScriptTest : public test::CaseScriptTest {
 protected:
  void SetUp() override { open_case("C1|track|overdue|victim:1000"); }

  CaseTrackArgs contact(const std::string& track, long long version) const {
    return CaseTrackArgs{.case_id = "C1",
                         .version = version,
                         .track = track,
                         .record_json = R"({"track":")" + track + R"(","first_contact_at":2000})",
                         .timeline_json = R"({"type":"track","track":")" + track + "\"}",
                         .fields = {{"last_activity_at", "2000"}},
                         .timers = {{"C1|track|overdue|children:1000", 9000}}};
  }
  std::string run(RedisConnection& as, const CaseTrackArgs& a) {
    return parse_case_write(as.eval(track_script(), {}, a.args())).outcome;
  }
};

TEST_F(CasesTrackScriptTest, ARecordWritesItsTrackEntryFieldsAndTimers) {
  EXPECT_EQ(run(cases_, contact("victim", 1)), "done");
  EXPECT_EQ(ops_.command({"HGET", case_tracks_key("C1"), "victim"}).str,
            R"({"track":"victim","first_contact_at":2000})");
  EXPECT_EQ(timeline_length(), 2);
  EXPECT_EQ(ops_.command({"LINDEX", case_timeline_key("C1"), "-1"}).str,
            R"({"type":"track","track":"victim"})");
  EXPECT_EQ(ops_.command({"HGET", case_key("C1"), "last_activity_at"}).str, "2000");
  // The case's timers are replaced exactly: the victim's clock stopped.
  EXPECT_EQ(due(),
            (std::map<std::string, std::string>{{"C1|track|overdue|children:1000", "9000"}}));
  EXPECT_EQ(ops_.command({"GET", case_timers_key("C1")}).str, "C1|track|overdue|children:1000");
  for (auto* user : {&cases_, &web_}) {
    const auto loaded = load(*user);
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->version, 2);
    ASSERT_EQ(loaded->tracks.size(), 1u);
    EXPECT_EQ(loaded->tracks[0].first, "victim");
    EXPECT_EQ(loaded->tracks[0].second, R"({"track":"victim","first_contact_at":2000})");
  }
}

TEST_F(CasesTrackScriptTest, RefusalsWriteNothing) {
  const auto before_due = due();
  auto unchanged = [&](const std::string& why) {
    EXPECT_EQ(timeline_length(), 1) << why;
    EXPECT_EQ(ops_.command({"EXISTS", case_tracks_key("C1")}).integer, 0) << why;
    EXPECT_EQ(due(), before_due) << why;
    EXPECT_EQ(ops_.command({"HGET", case_key("C1"), "last_activity_at"}).str, "1000") << why;
  };
  EXPECT_EQ(run(cases_, contact("victim", 5)), "stale");  // the timeline is not that long
  unchanged("stale");
  EXPECT_EQ(run(cases_, contact("neighbour", 1)), "unknown");
  unchanged("unknown");
  auto missing = contact("victim", 0);
  missing.case_id = "C404";
  EXPECT_EQ(run(cases_, missing), "missing");
  unchanged("missing");
  for (const auto* state : {"closed", "merged"}) {
    ops_.command({"HSET", case_key("C1"), "state", state});
    EXPECT_EQ(run(cases_, contact("victim", 1)), "closed");
    unchanged(state);
  }
}

TEST_F(CasesTrackScriptTest, TheLoadGivesTheIncidentsRolesOnceAndNoOtherPersonField) {
  ops_.command({"RPUSH", case_incidents_key("C1"), "I1", "I2", "I3"});
  ops_.command({"HSET", incident_key("I1"), "kind", "home_ban", "accepted_at", "1000", "body",
                R"({"persons":[{"role":"victim","name":"Synthetic Name","phone":"+31600000000"},)"
                R"({"role":"perpetrator","name":"Other Name"}]})"});
  ops_.command({"HSET", incident_key("I2"), "kind", "repeat_incident", "accepted_at", "2000",
                "body", R"({"persons":[{"role":"child"},{"role":"victim"}],"summary":"x"})"});
  // No persons, and a body that is not JSON: no roles, no failure.
  ops_.command({"HSET", incident_key("I3"), "kind", "code_red", "accepted_at", "3000", "body",
                "not json \"persons\""});
  for (auto* user : {&cases_, &web_}) {
    const auto loaded = load(*user);
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->incidents.size(), 3u);
    EXPECT_EQ(loaded->roles, (std::vector<std::string>{"perpetrator", "victim", "child"}));
    EXPECT_TRUE(loaded->tracks.empty());
  }
}

}  // namespace
}  // namespace piket::store
