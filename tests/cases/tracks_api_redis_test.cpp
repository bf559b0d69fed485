// The three tracks (issue 16) through the case API over a real redis-server
// (label redis): a case knows its tracks from its incidents' person roles
// (and a later incident of the family adds its roles), never a name; every
// field rule a clear 4xx naming the field that changes nothing; need to know
// as for events; each record on the timeline with who and when; and the
// deadline shell's pages for a track not seen — the casemanager at 7 days
// after the case's first contact, the team lead a day later — saying only the
// case, the track's role and how to answer.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api_fixture.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/page.hpp"

namespace piket::cases {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using test::at;

const std::string kPersons =
    R"([{"role":"perpetrator","name":"Synthetic Perpetrator","phone":"+31600000001"},)"
    R"({"role":"victim","name":"Synthetic Victim"},{"role":"child","name":"Synthetic Child"}])";

class TracksApiTest : public test::CasesApiRedisTest {
 protected:
  void SetUp() override {
    CasesApiRedisTest::SetUp();
    opened_ =
        test::accept_incident(incidents_, "REF-T1", "hh-t1", t0_, "home_ban",
                              "2026-12-02T14:00:00+01:00", "2026-11-22T13:40:00+01:00", kPersons);
    test::assign_and_acknowledge(conn_, opened_, "icm-1", t0_ + 1s, t0_ + 2min);
    first_contact(opened_.case_id, t0_ + 1h);
    shell_->run_due();
    clock_.set(t0_ + 2h);
  }

  common::HttpResponse record(const std::string& body, const std::string& who = "icm-1") {
    return call("POST", "/v1/cases/" + opened_.case_id + "/tracks", who, body);
  }
  // track -> state, from GET /v1/cases/{id}/tracks.
  std::map<std::string, std::string> states() {
    const auto r = call("GET", "/v1/cases/" + opened_.case_id + "/tracks", "icm-1");
    EXPECT_EQ(r.status, 200) << r.body;
    std::map<std::string, std::string> out;
    const auto body = parse(r);
    for (const auto& t : body.at("tracks").as_array())
      out[std::string(t.at("track").as_string())] = std::string(t.at("state").as_string());
    return out;
  }
  // The case hash, its timeline, its tracks and every timer.
  std::string snapshot() {
    const auto& id = opened_.case_id;
    return CasesApiRedisTest::snapshot(
        {{"HGETALL", store::case_key(id)},
         {"LRANGE", store::case_timeline_key(id), "0", "-1"},
         {"HGETALL", store::case_tracks_key(id)},
         {"ZRANGE", std::string(store::kDeadlinesDue), "0", "-1", "WITHSCORES"}});
  }
  std::vector<std::string> track_timers() {
    std::vector<std::string> out;
    for (const auto& t : timers())
      if (t.find("|track|") != std::string::npos) out.push_back(t.substr(t.find("|track|")));
    return out;
  }
  std::vector<Fired> track_pages(common::Instant t) {
    clock_.set(t);
    std::vector<Fired> out;
    for (const auto& f : shell_->run_due())
      if (f.clock == ClockKind::track) out.push_back(f);
    return out;
  }

  test::Opened opened_;
  const std::string contact_ms_ = std::to_string(common::to_epoch_ms(t0_ + 1h));
};

TEST_F(TracksApiTest, TheCaseKnowsItsTracksFromTheRolesAndALaterIncidentAddsItsOwn) {
  EXPECT_EQ(states(),
            (std::map<std::string, std::string>{
                {"perpetrator", "not_seen"}, {"victim", "not_seen"}, {"children", "not_seen"}}));
  const auto view = call("GET", "/v1/cases/" + opened_.case_id, "icm-1");
  ASSERT_EQ(view.status, 200) << view.body;
  const auto tracks = parse(view).at("tracks").as_array();
  ASSERT_EQ(tracks.size(), 3u) << view.body;
  EXPECT_EQ(tracks[0].at("from_roles").as_bool(), true);
  EXPECT_NE(view.body.find(R"("clock":"track","track":"perpetrator")"), std::string::npos)
      << view.body;
  for (const auto* secret : {"Synthetic", "+31600000001"})
    EXPECT_EQ(view.body.find(secret), std::string::npos) << "no person data: " << secret;
  EXPECT_EQ(track_timers(), (std::vector<std::string>{"|track|overdue|children:" + contact_ms_,
                                                      "|track|overdue|perpetrator:" + contact_ms_,
                                                      "|track|overdue|victim:" + contact_ms_}));

  // The family's next incident names an "other" person: the case gains that track.
  const auto later =
      test::accept_incident(incidents_, "REF-T2", "hh-t1", t0_ + 3h, "repeat_incident", "", "",
                            R"([{"role":"other","name":"Synthetic Neighbour"}])");
  ASSERT_EQ(later.case_id, opened_.case_id);
  EXPECT_EQ(states().count("other"), 1u);
  EXPECT_EQ(states().at("other"), "not_seen");
}

TEST_F(TracksApiTest, NeedToKnowAsForEvents) {
  const std::string body = R"({"track":"victim","type":"first_contact"})";
  EXPECT_EQ(record(body, "").status, 401);
  EXPECT_EQ(record(body, "icm-2").status, 403);
  EXPECT_EQ(record(body, "tl-d").status, 403);
  EXPECT_EQ(call("GET", "/v1/cases/" + opened_.case_id + "/tracks", "icm-2").status, 403);
  EXPECT_EQ(call("GET", "/v1/cases/CNOTACASE/tracks", "icm-1").status, 404);
  EXPECT_EQ(call("DELETE", "/v1/cases/" + opened_.case_id + "/tracks", "icm-1").status, 405);
  EXPECT_EQ(record(body, "tl-g").status, 200);  // the region's team lead may record
}

TEST_F(TracksApiTest, EveryFieldRuleIsAClearRefusalThatChangesNothing) {
  ASSERT_EQ(record(R"({"track":"victim","type":"first_contact"})").status, 200);
  const auto before = snapshot();
  struct Case {
    std::string body, field;
    int status;
  };
  const Case cases[] = {
      {R"({"type":"first_contact"})", "track", 422},
      {R"({"track":"dog","type":"first_contact"})", "track", 422},
      {R"({"track":"victim"})", "type", 422},
      {R"({"track":"victim","type":"visit"})", "type", 422},
      {R"({"track":"victim","type":"first_contact"})", "type", 409},  // recorded already
      {R"({"track":"perpetrator","type":"first_contact","at":"2027-01-01T12:00:00+01:00"})", "at",
       422},
      {R"({"track":"perpetrator","type":"first_contact","at":"2026-11-01T12:00:00+01:00"})", "at",
       422},
      {R"({"track":"perpetrator","type":"not_applicable"})", "reason", 422},
      {R"({"track":"perpetrator","type":"not_applicable","reason":"no_children"})", "reason", 422},
      {R"({"track":"children","type":"not_applicable","reason":"busy"})", "reason", 422},
      {R"({"track":"children","type":"intake","reason":"refuses"})", "reason", 422},
      {R"({"track":"children","type":"intake","phone":"+31600000000"})", "phone", 422},
  };
  for (const auto& c : cases) {
    const auto r = record(c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " → " << r.body;
    EXPECT_EQ(error_field(r), c.field) << c.body << " → " << r.body;
    EXPECT_EQ(r.body.find("+31600000000"), std::string::npos) << "no value echoed";
    EXPECT_EQ(snapshot(), before) << c.body;
  }
  EXPECT_EQ(record("{").status, 400);
  EXPECT_EQ(call("POST", "/v1/cases/" + opened_.case_id + "/tracks", "icm-1",
                 R"({"track":"perpetrator","type":"first_contact"})", "text/plain")
                .status,
            415);
  EXPECT_EQ(snapshot(), before);
}

TEST_F(TracksApiTest, ARecordIsOnTheTimelineWithWhoAndWhenAndStopsItsClock) {
  const auto r = record(R"({"track":"perpetrator","type":"first_contact"})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = parse(r);
  EXPECT_EQ(body.at("event").at("by").as_string(), "person:icm-1");
  const auto& perpetrator = body.at("tracks").as_array().at(0).as_object();
  EXPECT_EQ(perpetrator.at("state").as_string(), "seen");
  EXPECT_EQ(perpetrator.at("first_contact").at("at").as_string(), "2026-11-22T15:00:00.000Z");
  EXPECT_EQ(perpetrator.at("clock").at("state").as_string(), "met");
  ASSERT_EQ(record(R"({"track":"children","type":"not_applicable","reason":"no_children"})").status,
            200);
  EXPECT_EQ(track_timers(), std::vector<std::string>{"|track|overdue|victim:" + contact_ms_});
  const auto timeline = call("GET", "/v1/cases/" + opened_.case_id + "/timeline", "icm-1");
  const auto events = parse(timeline).at("events").as_array();
  const auto& last = events.back().as_object();
  EXPECT_EQ(last.at("type").as_string(), "track");
  EXPECT_EQ(last.at("track").as_string(), "children");
  EXPECT_EQ(last.at("mark").as_string(), "not_applicable");
  EXPECT_EQ(last.at("reason").as_string(), "no_children");
  EXPECT_EQ(last.at("by").as_string(), "person:icm-1");
  EXPECT_EQ(states().at("children"), "not_applicable");
}

TEST_F(TracksApiTest, ATrackNotSeenPagesTheCasemanagerThenTheTeamLeadWithItsRoleOnly) {
  ASSERT_EQ(record(R"({"track":"victim","type":"first_contact"})").status, 200);
  ASSERT_EQ(record(R"({"track":"children","type":"intake"})").status, 200);
  const auto due = t0_ + 1h + 7 * 24h;
  EXPECT_TRUE(track_pages(due - 1min).empty());
  auto fired = track_pages(due);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].step, "overdue");
  EXPECT_EQ(fired[0].person, "icm-1");
  const auto page = store::page_key(fired[0].page_id);
  const auto text = hget(page, "text");
  EXPECT_EQ(text, "piket SPOOR NIET GEZIEN (pleger) sinds 29-11 15:00 zaak " + opened_.case_id +
                      " regio groningen. Antwoord " + hget(page, "ack_code") + " om aan te nemen.");
  EXPECT_EQ(hget(page, "rule"), "deadline:track:overdue");
  fired = track_pages(due + 24h);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].step, "escalate");
  EXPECT_EQ(fired[0].person, "tl-g");
  const auto esc = hget(store::page_key(fired[0].page_id), "text");
  EXPECT_EQ(esc.rfind("piket OPGESCHAALD SPOOR NIET GEZIEN (pleger) sinds 29-11 15:00 zaak " +
                          opened_.case_id,
                      0),
            0u)
      << esc;
  for (const auto& t : {text, esc})
    for (const auto* secret : {"Synthetic", "+316", "hh-t1"})
      EXPECT_EQ(t.find(secret), std::string::npos) << t;
}

// Each record is in the one audit trail: who, the case, the track and what
// was recorded when — not a person's name; a refusal writes nothing.
TEST_F(TracksApiTest, EachRecordIsInTheAuditTrailWithWhoWhenCaseAndTrackOnly) {
  ASSERT_EQ(record(R"({"track":"perpetrator","type":"first_contact","at":"2026-11-22T14:30:00Z"})")
                .status,
            200);
  ASSERT_EQ(record(R"({"track":"children","type":"not_applicable","reason":"refuses"})").status,
            200);
  ASSERT_EQ(record(R"({"track":"victim","type":"seen"})").status, 422);  // refused: no entry
  clock_.set(t0_ + 3h);
  ASSERT_EQ(record(R"({"track":"perpetrator","type":"intake"})", "icm-1").status, 200);
  const auto entries = audit_entries();
  ASSERT_EQ(entries.size(), 3u) << audit_text();
  const std::vector<std::string> what{
      "track perpetrator first_contact at 2026-11-22T14:30:00.000Z",
      "track children not_applicable refuses at 2026-11-22T15:00:00.000Z",
      "track perpetrator intake at 2026-11-22T16:00:00.000Z"};
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    EXPECT_EQ(e.who, "icm-1");
    EXPECT_EQ(e.role, "casemanager");
    EXPECT_EQ(e.action, "case.track");
    EXPECT_EQ(e.target, opened_.case_id);
    EXPECT_EQ(e.outcome, "allowed");
    EXPECT_EQ(e.reason, what[i]);
  }
  EXPECT_EQ(entries[0].domain_at, t0_ + 2h) << "when it was recorded, in the domain's time";
  EXPECT_EQ(entries[2].domain_at, t0_ + 3h);
  const auto text = audit_text();
  for (const auto* secret : {"Synthetic", "+316", "hh-t1"})
    EXPECT_EQ(text.find(secret), std::string::npos) << secret;
}

}  // namespace
}  // namespace piket::cases
