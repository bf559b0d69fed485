// ServiceBackend over a real redis-server with the owning services' own code:
// a case accepted by ingest's store, clocks from the cases library, events and
// reassignment through cases::apply_event and the store's script, pages
// answered through inbound's script — and each service's own refusals.
#include <gtest/gtest.h>

#include "piket/common/crypto.hpp"
#include "piket/common/redis.hpp"
#include "piket/common/time_format.hpp"
#include "piket/config/config.hpp"
#include "piket/ingest/redis_incident_store.hpp"
#include "piket/ingest/validation.hpp"
#include "piket/store/case_record.hpp"
#include "piket/store/page.hpp"
#include "piket/web/service_backend.hpp"
#include "private_redis.hpp"

namespace piket::web {
namespace {

using common::Instant;

class ServiceBackendTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { redis_ = new ::piket::test::PrivateRedis("piket-web-backend"); }
  static void TearDownTestSuite() { delete redis_; }

  ServiceBackendTest()
      : config_(as_web(config::parse_config(
            "[redis]\naddress = \"127.0.0.1:" + std::to_string(redis_->config().address.port) +
                "\"\n[kannel]\nusername = \"u\"\n[rota]\nfile = \"rota.toml\"\n[[regions]]\nid = "
                "\"groningen\"\n"
                "[[people]]\nid = \"anna\"\nname = \"A\"\nrole = \"casemanager\"\nphone = "
                "\"+447700900001\"\nregions = [\"groningen\"]\n"
                "[[people]]\nid = \"bert\"\nname = \"B\"\nrole = \"casemanager\"\nphone = "
                "\"+447700900002\"\nregions = [\"groningen\"]\n"
                "[[people]]\nid = \"tina\"\nname = \"T\"\nrole = \"team_lead\"\nphone = "
                "\"+447700900010\"\nregions = [\"groningen\"]\n"
                "[[chain_partners]]\nid = \"vz-noord\"\nname = \"Synthetic Addiction Care\"\n"
                "kind = \"addiction_care\"\nregion = \"groningen\"\n",
            "t.toml"))),
        clock_(*common::parse_rfc3339("2026-11-22T08:00:00+01:00")),
        pool_(config_.redis),
        backend_(config_, config_.deadlines, config_.reply_code_window(),
                 config_.notify.push_stream_maxlen, config_.redis, pool_, clock_, clock_,
                 &config_.chain) {
    redis().command({"FLUSHALL"});
  }

  // The backend runs as Redis user "web"; the test's own reads and writes as "ops".
  static config::Config as_web(config::Config c) {
    redis_->use_as(c, "web");
    return c;
  }
  common::RedisConnection redis() { return common::RedisConnection(redis_->config()); }

  // A home ban through ingest's own acceptance script; dispatch's assignment by hand.
  // `persons`: the incident's persons, as JSON (their roles give the case its tracks).
  std::string accept_case(const std::string& casemanager, const std::string& persons = "[]") {
    const std::string body = R"({"reference":"R-1","kind":"home_ban","region":"groningen",
      "reported_at":"2026-11-22T07:30:00+01:00","household":"hh-1",
      "home_ban":{"starts_at":"2026-11-22T07:00:00+01:00","ends_at":"2026-12-02T07:00:00+01:00"},
      "persons":)" + persons +
                             "}";
    auto v = ingest::validate_incident(body, {"groningen"});
    const auto& req = std::get<ingest::IncidentRequest>(v);
    ingest::RedisIncidentStore store(redis_->config_as("ingest"), common::Millis{1000}, nullptr);
    ingest::NewIncident n;
    n.partner = "police";
    n.request = &req;
    n.body_hash = common::sha256_hex(body);
    n.accepted_at = clock_.now();
    n.transport_now = clock_.now();
    const auto out = store.store(n);
    redis().command({"HSET", store::case_key(out.case_id), "casemanager", casemanager});
    redis().command({"SADD", store::caseload_key(casemanager), out.case_id});
    return out.case_id;
  }

  static ::piket::test::PrivateRedis* redis_;
  config::Config config_;
  common::SimulatedClock clock_;
  common::RedisPool pool_;
  ServiceBackend backend_;
};
::piket::test::PrivateRedis* ServiceBackendTest::redis_ = nullptr;

TEST_F(ServiceBackendTest, ClocksComeFromTheCasesLibrary) {
  const auto id = accept_case("anna");
  auto clocks = backend_.clocks({id}, clock_.now());
  const auto plan = std::find_if(clocks.begin(), clocks.end(),
                                 [](const ClockView& c) { return c.clock == "plan"; });
  ASSERT_NE(plan, clocks.end());
  EXPECT_EQ(plan->due_at, clock_.now() + std::chrono::hours{12});
  EXPECT_EQ(plan->state, "running");
  EXPECT_TRUE(
      std::is_sorted(clocks.begin(), clocks.end(),
                     [](const ClockView& a, const ClockView& b) { return a.due_at < b.due_at; }));
  clock_.advance(std::chrono::hours{12} + std::chrono::minutes{1});
  clocks = backend_.clocks({id}, clock_.now());
  for (const auto& c : clocks) {
    if (c.clock == "plan") {
      EXPECT_EQ(c.state, "overdue");
    }
  }
}

TEST_F(ServiceBackendTest, EventsAndReassignmentFollowTheCasesRules) {
  const auto id = accept_case("anna");
  clock_.advance(std::chrono::minutes{30});
  EXPECT_TRUE(
      backend_.record_event(id, "anna", "first_contact", clock_.now(), "called the victim").ok());
  EXPECT_EQ(redis().command({"HGET", store::case_key(id), "phase"}).str, "first_contact");
  const auto last = redis().command({"LINDEX", store::case_timeline_key(id), "-1"}).str;
  EXPECT_NE(last.find("\"type\":\"first_contact\""), std::string::npos) << last;
  EXPECT_NE(last.find("\"by\":\"person:anna\""), std::string::npos) << last;
  // The cases service's own refusals come through unchanged.
  EXPECT_EQ(backend_.record_event(id, "bert", "intake", clock_.now(), "").status, 403);
  EXPECT_EQ(backend_.record_event(id, "anna", "first_contact", clock_.now(), "").status, 409);
  EXPECT_EQ(
      backend_.record_event(id, "anna", "intake", clock_.now() + std::chrono::hours{1}, "").status,
      422);
  EXPECT_EQ(backend_.reassign(id, "bert", "anna", "").status, 403);
  EXPECT_TRUE(backend_.reassign(id, "bert", "tina", "sickness").ok());
  EXPECT_EQ(redis().command({"HGET", store::case_key(id), "casemanager"}).str, "bert");
}

TEST_F(ServiceBackendTest, AHandoverPassesItsFieldsToTheCasesServiceWhoseRulesDecide) {
  const auto id = accept_case("anna");
  clock_.advance(std::chrono::minutes{30});
  ASSERT_TRUE(backend_.record_event(id, "anna", "first_contact", clock_.now(), "").ok());
  const auto range = backend_.checkin_range(id);  // the [deadlines] defaults
  EXPECT_EQ(range.min_days, 1);
  EXPECT_EQ(range.max_days, 60);
  Handover h{"Synthetic local team", "casusregisseur", true, false, std::nullopt};
  // Without a help plan a casemanager's handover is refused, naming the condition.
  auto out = backend_.record_event(id, "anna", "handover", clock_.now(), "skip to handover", {}, h);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status, 422);
  EXPECT_EQ(out.refusal->code, "handover_conditions");
  EXPECT_EQ(out.refusal->field, "help_plan_exists");
  // Nobody named: refused by the case service too; and a cadence outside the policy.
  out = backend_.record_event(id, "anna", "handover", clock_.now(), "", {}, {});
  EXPECT_EQ(out.refusal ? out.refusal->field : "", "receiving_organisation");
  h.help_plan_exists = true;
  h.checkin_days = 61;
  out = backend_.record_event(id, "anna", "handover", clock_.now(), "skip to handover", {}, h);
  EXPECT_EQ(out.refusal ? out.refusal->field : "", "checkin_days");
  EXPECT_EQ(redis().command({"HGET", store::case_key(id), "phase"}).str, "first_contact")
      << "nothing changed";
  // Both conditions confirmed: recorded with who takes over and the cadence.
  h.checkin_days = 14;
  ASSERT_TRUE(
      backend_.record_event(id, "anna", "handover", clock_.now(), "skip to handover", {}, h).ok());
  EXPECT_EQ(redis().command({"HGET", store::case_key(id), "phase"}).str, "handover");
  EXPECT_EQ(redis().command({"HGET", store::case_key(id), "handover_role"}).str, "casusregisseur");
  EXPECT_EQ(redis().command({"HGET", store::case_key(id), "checkin_days"}).str, "14");
}

TEST_F(ServiceBackendTest, ATeamLeadHandsOverWithoutTheConditionsOnlyWithAReason) {
  const auto id = accept_case("anna");
  clock_.advance(std::chrono::minutes{30});
  ASSERT_TRUE(backend_.record_event(id, "anna", "first_contact", clock_.now(), "").ok());
  const Handover h{"Synthetic local team", "casusregisseur", false, false, std::nullopt};
  auto out = backend_.record_event(id, "tina", "handover", clock_.now(), "", {}, h);
  EXPECT_EQ(out.refusal ? out.refusal->field : "", "reason");
  ASSERT_TRUE(
      backend_.record_event(id, "tina", "handover", clock_.now(), "family moved away", {}, h).ok());
  const auto last = redis().command({"LINDEX", store::case_timeline_key(id), "-1"}).str;
  EXPECT_NE(last.find("\"override\":true"), std::string::npos) << last;
}

// Agreements (issue 16) through the case service's own parser, rules and
// script: made with a chain partner of the region, each refusal naming its
// field with nothing written, settled once, and the referral's wait recorded.
TEST_F(ServiceBackendTest, AgreementsAreMadeAndSettledByTheCasesRules) {
  using namespace std::chrono_literals;
  const auto id = accept_case("anna");
  const auto choices = backend_.agreement_choices("groningen");
  ASSERT_EQ(choices.partners.size(), 1u);
  EXPECT_EQ(choices.partners[0].name, "Synthetic Addiction Care");
  EXPECT_TRUE(backend_.agreement_choices("drenthe").partners.empty());
  EXPECT_NE(std::find(choices.categories.begin(), choices.categories.end(), "referral"),
            choices.categories.end());
  const NewAgreementRequest referral{"vz-noord",
                                     "referral",
                                     "Synthetic intake at addiction care",
                                     "perpetrator",
                                     clock_.now() + 7 * 24h,
                                     {}};
  // Each refusal names its field; nothing is written.
  const auto field_of = [&](NewAgreementRequest r, const std::string& by = "anna") {
    const auto out = backend_.record_agreement(id, by, r);
    return out.refusal ? out.refusal->field : std::string("(recorded)");
  };
  auto bad = referral;
  bad.who = "nobody-here";
  EXPECT_EQ(field_of(bad), "who");
  bad = referral;
  bad.category = "cooking";
  EXPECT_EQ(field_of(bad), "category");
  bad = referral;
  bad.track = "neighbours";
  EXPECT_EQ(field_of(bad), "track");
  bad = referral;
  bad.due = clock_.now() - 1h;
  EXPECT_EQ(field_of(bad), "due_by");
  bad = referral;
  bad.who = "family";
  EXPECT_EQ(field_of(bad), "who") << "a referral names the chain partner";
  EXPECT_EQ(backend_.record_agreement(id, "bert", referral).status, 403) << "not bert's case";
  EXPECT_TRUE(backend_.agreements({id}).empty()) << "nothing written";

  ASSERT_TRUE(backend_.record_agreement(id, "anna", referral).ok());
  const NewAgreementRequest family{"family", "appointment",          "Synthetic visit",
                                   "victim", clock_.now() + 2 * 24h, {}};
  ASSERT_TRUE(backend_.record_agreement(id, "anna", family).ok());
  auto list = backend_.agreements({id});
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, "A1");
  EXPECT_EQ(list[0].partner_name, "Synthetic Addiction Care");
  EXPECT_EQ(list[0].track, "perpetrator");
  EXPECT_EQ(list[0].state, "open");
  EXPECT_EQ(list[0].region, "groningen");
  EXPECT_EQ(list[0].requested_at, clock_.now());
  EXPECT_EQ(list[1].who, "family");
  EXPECT_TRUE(list[1].partner_name.empty());
  // An open agreement is a clock of the case.
  const auto clocks = backend_.clocks({id}, clock_.now());
  EXPECT_EQ(std::count_if(clocks.begin(), clocks.end(),
                          [](const ClockView& k) { return k.clock == "agreement"; }),
            2);

  const auto asked = clock_.now();
  clock_.advance(9 * 24h);  // the referral is overdue: help starts late
  EXPECT_TRUE(backend_.agreements({id})[0].overdue(clock_.now()));
  EXPECT_EQ(backend_.settle_agreement(id, "anna", "A1", "open").refusal->field, "state");
  EXPECT_EQ(backend_.settle_agreement(id, "anna", "A9", "done").status, 404);
  // When help started: not in the future, not before it was asked; nothing changed.
  const auto started_refusal = [&](Instant started) {
    const auto out = backend_.settle_agreement(id, "anna", "A1", "done", started);
    return out.refusal ? out.refusal->field : std::string("(settled)");
  };
  EXPECT_EQ(started_refusal(clock_.now() + 1h), "started_at");
  EXPECT_EQ(started_refusal(asked - 1h), "started_at");
  EXPECT_EQ(backend_.agreements({id})[0].state, "open") << "nothing changed";
  ASSERT_TRUE(backend_.settle_agreement(id, "anna", "A1", "done", asked + 7 * 24h).ok());
  ASSERT_TRUE(backend_.settle_agreement(id, "anna", "A2", "missed").ok());
  const auto again = backend_.settle_agreement(id, "anna", "A1", "cancelled");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.refusal->code, "agreement_settled");
  list = backend_.agreements({id});
  EXPECT_EQ(list[0].state, "done");
  EXPECT_FALSE(list[0].overdue(clock_.now()));
  ASSERT_TRUE(list[0].waiting());
  EXPECT_EQ(*list[0].waiting(), common::Millis{7 * 24h}) << "to when help started, not to now";
  EXPECT_EQ(list[1].state, "missed");
  // The region's record of finished waits has the referral (the board reads it, closed cases
  // too); the missed agreement is no wait.
  const auto waits = backend_.referral_waits("groningen", asked);
  ASSERT_EQ(waits.size(), 1u);
  EXPECT_EQ(waits[0].case_id, id);
  EXPECT_EQ(waits[0].agreement, "A1");
  EXPECT_EQ(waits[0].partner, "vz-noord");
  EXPECT_EQ(waits[0].wait, common::Millis{7 * 24h});
  EXPECT_EQ(waits[0].started_at, asked + 7 * 24h);
  EXPECT_TRUE(backend_.referral_waits("groningen", asked + 8 * 24h).empty()) << "since";
  EXPECT_TRUE(backend_.referral_waits("drenthe", asked).empty());
  const auto last = redis().command({"LINDEX", store::case_timeline_key(id), "-1"}).str;
  EXPECT_NE(last.find("\"state\":\"missed\""), std::string::npos) << last;
  EXPECT_EQ(last.find("Synthetic"), std::string::npos) << "the text stays out of the timeline";
}

// Tracks (issue 16) through the case service's own parser, rules and
// script: the case's tracks from its incident's roles, each with its clock
// once the case's first contact is made; each refusal names its field with
// nothing written; "not applicable" takes a track off the clock.

// The app's second press after a lost answer sends the same Idempotency-Key:
// the cases rules find the agreement it made and nothing is written again;
// the key with another agreement is refused.
TEST_F(ServiceBackendTest, AnAgreementSentAgainWithItsKeyIsMadeOnce) {
  using namespace std::chrono_literals;
  const auto id = accept_case("anna");
  NewAgreementRequest keyed{"family", "appointment",          "Synthetic visit",
                            "victim", clock_.now() + 2 * 24h, "k-1"};
  ASSERT_TRUE(backend_.record_agreement(id, "anna", keyed).ok());
  clock_.advance(1min);
  ASSERT_TRUE(backend_.record_agreement(id, "anna", keyed).ok());
  EXPECT_EQ(backend_.agreements({id}).size(), 1u) << "the second press made nothing";
  auto changed = keyed;
  changed.text = "Another synthetic visit";
  const auto conflict = backend_.record_agreement(id, "anna", changed);
  ASSERT_TRUE(conflict.refusal);
  EXPECT_EQ(conflict.refusal->code, "idempotency_conflict");
  keyed.request_key.clear();
  ASSERT_TRUE(backend_.record_agreement(id, "anna", keyed).ok());
  EXPECT_EQ(backend_.agreements({id}).size(), 2u) << "without a key: a second agreement";
}
TEST_F(ServiceBackendTest, TracksAreRecordedByTheCasesRulesAndShowTheirClocks) {
  using namespace std::chrono_literals;
  const auto id = accept_case(
      "anna",
      R"([{"role":"victim","name":"Synthetic V"},{"role":"perpetrator","name":"Synthetic P"},
                  {"role":"child","name":"Synthetic C"}])");
  clock_.advance(30min);
  const auto first = clock_.now();
  ASSERT_TRUE(backend_.record_event(id, "anna", "first_contact", first, "").ok());
  auto tracks = backend_.tracks(id, clock_.now());
  ASSERT_EQ(tracks.size(), 3u);
  EXPECT_EQ(tracks[0].track, "perpetrator");
  EXPECT_EQ(tracks[1].track, "victim");
  EXPECT_EQ(tracks[2].track, "children");
  for (const auto& t : tracks) {
    EXPECT_EQ(t.state, "not_seen") << t.track;
    ASSERT_TRUE(t.due) << t.track;
    EXPECT_EQ(*t.due, first + 7 * 24h) << t.track;
    EXPECT_EQ(t.clock_state, "running") << t.track;
  }
  const auto field_of = [&](TrackRequest r, const std::string& by = "anna") {
    const auto out = backend_.record_track(id, by, r);
    return out.refusal ? out.refusal->field : std::string("(recorded)");
  };
  EXPECT_EQ(field_of({"perpetrator", "first_contact", clock_.now() + 1h, ""}), "at");
  EXPECT_EQ(field_of({"perpetrator", "first_contact", first - 24h, ""}), "at");
  EXPECT_EQ(field_of({"neighbours", "first_contact", std::nullopt, ""}), "track");
  EXPECT_EQ(field_of({"perpetrator", "greeting", std::nullopt, ""}), "type");
  EXPECT_EQ(field_of({"perpetrator", "not_applicable", std::nullopt, "no_children"}), "reason");
  EXPECT_EQ(field_of({"children", "not_applicable", std::nullopt, ""}), "reason");
  EXPECT_EQ(backend_.record_track(id, "bert", {"victim", "first_contact", std::nullopt, ""}).status,
            403)
      << "not bert's case";
  for (const auto& t : backend_.tracks(id, clock_.now()))
    EXPECT_EQ(t.state, "not_seen") << t.track << ": nothing written";

  ASSERT_EQ(field_of({"children", "not_applicable", std::nullopt, "no_children"}), "(recorded)");
  ASSERT_EQ(field_of({"victim", "first_contact", first - 10min, ""}), "(recorded)");
  EXPECT_EQ(field_of({"victim", "first_contact", std::nullopt, ""}), "type") << "once";
  clock_.advance(8 * 24h);  // the perpetrator track is not seen in time
  tracks = backend_.tracks(id, clock_.now());
  ASSERT_EQ(tracks.size(), 3u);
  EXPECT_EQ(tracks[0].state, "not_seen");
  EXPECT_EQ(tracks[0].clock_state, "overdue");
  EXPECT_EQ(tracks[1].state, "seen");
  ASSERT_TRUE(tracks[1].first_contact);
  EXPECT_EQ(tracks[1].first_contact->by, "anna");
  EXPECT_EQ(tracks[1].first_contact->at, first - 10min);
  EXPECT_FALSE(tracks[1].due) << "a seen track is off the clock";
  EXPECT_EQ(tracks[2].state, "not_applicable");
  EXPECT_EQ(tracks[2].reason, "no_children");
  EXPECT_FALSE(tracks[2].due);
  // The board's clocks name the track.
  const auto clocks = backend_.clocks({id}, clock_.now());
  std::vector<std::string> track_clocks;
  for (const auto& k : clocks)
    if (k.clock == "track") {
      track_clocks.push_back(k.track + " " + k.state);
      EXPECT_EQ(k.label, "Track not seen");
    }
  EXPECT_EQ(track_clocks, std::vector<std::string>{"perpetrator overdue"});
  const auto timeline = redis().command({"LRANGE", store::case_timeline_key(id), "0", "-1"});
  for (const auto& e : timeline.elements)
    EXPECT_EQ(e.str.find("Synthetic"), std::string::npos) << "no name on the timeline";
}

TEST_F(ServiceBackendTest, PagesAreAnsweredThroughInboundsScriptByTheirPersonOnly) {
  const auto id = accept_case("anna");
  const std::string page = "P0000000000000001";
  redis().command({"HSET", store::page_key(page), "case", id, "incident", "I0000000000000001",
                   "person", "anna", "state", "accepted", "created_at", "1"});
  redis().command({"HSET", store::page_key(page), "ack_code", "123456"});
  redis().command({"SET", store::ackcode_key("anna", "123456"), page});
  EXPECT_EQ(backend_.acknowledge_page(page, "bert").status, 403);
  EXPECT_TRUE(redis().command({"HGET", store::page_key(page), "acknowledged_at"}).is_nil());
  EXPECT_TRUE(backend_.acknowledge_page(page, "anna", "session 1a2b3c4d").ok());
  EXPECT_FALSE(redis().command({"HGET", store::page_key(page), "acknowledged_at"}).is_nil());
  // How it came, and the SMS code is gone with the answer (issue 10).
  EXPECT_EQ(redis().command({"HGET", store::page_key(page), "acknowledged_via"}).str, "web");
  EXPECT_EQ(redis().command({"HGET", store::page_key(page), "acknowledged_via_ref"}).str,
            "session 1a2b3c4d");
  EXPECT_EQ(redis().command({"EXISTS", store::ackcode_key("anna", "123456")}).integer, 0);
  EXPECT_TRUE(backend_.acknowledge_page(page, "anna").ok()) << "twice the same way is harmless";
  EXPECT_EQ(backend_.decline_page(page, "anna").status, 409);
  EXPECT_EQ(backend_.acknowledge_page("P0000000000000009", "anna").status, 404);
}

}  // namespace
}  // namespace piket::web
