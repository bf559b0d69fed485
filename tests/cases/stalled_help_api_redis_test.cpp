// Stalled help made visible (issue 16) through the case API over a real
// redis-server (label redis).
// Agreements: need to know as for events, every field rule a clear 4xx naming
// the field that changes nothing, each state change on the timeline with who
// and when (never the text), the clock's timer written with the agreement, and
// the deadline shell's pages at the due time (the casemanager) and after the
// grace period (the team lead) saying only the case, the clock and how to
// answer.
// The handover: refused without its conditions (nothing changed), accepted
// with them, and its chosen check-in cadence stored with the case's timers.
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

const char* kPartners =
    "[[chain_partners]]\nid = \"vz-noord\"\nname = \"Synthetic Addiction Care\"\n"
    "kind = \"addiction_care\"\nregion = \"groningen\"\n";

class AgreementsApiTest : public test::CasesApiRedisTest {
 protected:
  void SetUp() override {
    config_.chain = test::test_config(kPartners).chain;
    rules_.chain = &config_.chain;
    CasesApiRedisTest::SetUp();
    opened_ = open_case("REF-1", t0_, t0_ + 2min);
    first_contact(opened_.case_id, t0_ + 1h);
    shell_->run_due();
    clock_.set(t0_ + 2h);
  }

  common::HttpResponse make(const std::string& body, const std::string& who = "icm-1") {
    return call("POST", "/v1/cases/" + opened_.case_id + "/agreements", who, body);
  }
  common::HttpResponse change(const std::string& body, const std::string& who = "icm-1") {
    return call("POST", "/v1/cases/" + opened_.case_id + "/agreements/state", who, body);
  }
  // The case hash, its timeline, its agreements and every timer.
  std::string snapshot() {
    const auto& id = opened_.case_id;
    return CasesApiRedisTest::snapshot(
        {{"HGETALL", store::case_key(id)},
         {"LRANGE", store::case_timeline_key(id), "0", "-1"},
         {"HGETALL", store::case_agreements_key(id)},
         {"ZRANGE", std::string(store::kDeadlinesDue), "0", "-1", "WITHSCORES"}});
  }
  std::string timer_of(const std::string& agreement) {
    for (const auto& t : timers())
      if (t.find("|agreement|") != std::string::npos && t.ends_with("|" + agreement)) return t;
    return {};
  }

  static constexpr const char* kReferral =
      R"({"who":"vz-noord","category":"referral","text":"intake addiction care",)"
      R"("track":"perpetrator","due_by":"2026-11-25T12:00:00+01:00"})";

  test::Opened opened_;
};

TEST_F(AgreementsApiTest, AnAgreementIsMadeListedAndItsClockRuns) {
  const auto r = make(kReferral);
  ASSERT_EQ(r.status, 201) << r.body;
  const auto body = parse(r);
  EXPECT_EQ(body.at("agreement").as_object().at("agreement").as_string(), "A1");
  EXPECT_EQ(body.at("agreement").as_object().at("state").as_string(), "open");
  EXPECT_EQ(body.at("agreement").as_object().at("requested_at").as_string(),
            "2026-11-22T15:00:00.000Z");
  EXPECT_EQ(timer_of("A1"), opened_.case_id + "|agreement|overdue|A1");

  const auto list = call("GET", "/v1/cases/" + opened_.case_id + "/agreements", "icm-1");
  ASSERT_EQ(list.status, 200) << list.body;
  const auto listed = parse(list);
  const auto& a = listed.at("agreements").as_array().at(0).as_object();
  EXPECT_EQ(a.at("text").as_string(), "intake addiction care");  // inside the case
  EXPECT_EQ(a.at("partner_kind").as_string(), "addiction_care");
  EXPECT_EQ(a.at("track").as_string(), "perpetrator");
  EXPECT_EQ(a.at("due_by").as_string(), "2026-11-25T11:00:00.000Z");

  // The timeline says who made which agreement and when, not the text.
  const auto timeline = call("GET", "/v1/cases/" + opened_.case_id + "/timeline", "icm-1");
  const auto events = parse(timeline);
  const auto& last = events.at("events").as_array().back().as_object();
  EXPECT_EQ(last.at("type").as_string(), "agreement");
  EXPECT_EQ(last.at("agreement").as_string(), "A1");
  EXPECT_EQ(last.at("state").as_string(), "open");
  EXPECT_EQ(last.at("by").as_string(), "person:icm-1");
  EXPECT_EQ(timeline.body.find("intake addiction care"), std::string::npos);
  // The case view shows the agreement clock.
  const auto view = call("GET", "/v1/cases/" + opened_.case_id, "icm-1");
  EXPECT_NE(view.body.find(R"("clock":"agreement")"), std::string::npos) << view.body;
}

// A client that lost the answer sends the same request with the same
// Idempotency-Key: it gets the agreement made the first time (200) and
// nothing is written again; the key with another agreement is refused (409),
// a malformed key too (400 naming the header), each changing nothing.
TEST_F(AgreementsApiTest, TheSameIdempotencyKeyMakesOneAgreement) {
  const auto with_key = [&](const std::string& body, const std::string& key) {
    auto r =
        test::staff_request("POST", "/v1/cases/" + opened_.case_id + "/agreements", "icm-1", body);
    r.headers.emplace_back("idempotency-key", key);
    return api_->handle(r);
  };
  const auto first = with_key(kReferral, "0f3c-retry-1");
  ASSERT_EQ(first.status, 201) << first.body;
  const auto made = snapshot();
  const auto audited = audit_text();

  const auto again = with_key(kReferral, "0f3c-retry-1");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(parse(again).at("agreement").as_object().at("agreement").as_string(), "A1");
  EXPECT_EQ(snapshot(), made) << "nothing written again";
  EXPECT_EQ(audit_text(), audited) << "no second audit of a making";

  std::string other = kReferral;
  other.replace(other.find("intake addiction care"), 21, "another synthetic intake");
  const auto conflict = with_key(other, "0f3c-retry-1");
  EXPECT_EQ(conflict.status, 409) << conflict.body;
  EXPECT_EQ(error_field(conflict), "Idempotency-Key");
  for (const std::string& bad :
       std::vector<std::string>{"", std::string(65, 'k'), "key with spaces", "sleutel\xc3\xa9"}) {
    const auto r = with_key(kReferral, bad);
    EXPECT_EQ(r.status, 400) << "[" << bad << "] " << r.body;
    EXPECT_EQ(error_field(r), "Idempotency-Key");
  }
  EXPECT_EQ(snapshot(), made) << "refusals change nothing";

  // Another key makes another agreement.
  EXPECT_EQ(with_key(kReferral, "0f3c-retry-2").status, 201);
  EXPECT_NE(snapshot(), made);
}

TEST_F(AgreementsApiTest, ACasemanagersAgreementsDueAreTheirOpenOnesDueFirst) {
  const std::string family =
      R"({"who":"family","category":"appointment","text":"t","track":"victim","due_by":")";
  ASSERT_EQ(make(kReferral).status, 201);                                      // A1, 25-11
  ASSERT_EQ(make(family + R"(2026-11-24T12:00:00+01:00"})").status, 201);      // A2, 24-11
  ASSERT_EQ(make(family + R"(2026-11-23T12:00:00+01:00"})").status, 201);      // A3, 23-11
  ASSERT_EQ(change(R"({"agreement":"A3","state":"cancelled"})").status, 200);  // not open
  // Another casemanager's case and agreement.
  const auto other = open_case("REF-2", t0_, t0_ + 2min, "icm-2");
  ASSERT_EQ(call("POST", "/v1/cases/" + other.case_id + "/agreements", "icm-2",
                 family + R"(2026-11-23T10:00:00+01:00"})")
                .status,
            201);

  const auto r = call("GET", "/v1/people/icm-1/agreements", "icm-1");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = parse(r);
  const auto& list = body.at("agreements").as_array();
  ASSERT_EQ(list.size(), 2u) << r.body;
  EXPECT_EQ(list[0].at("agreement").as_string(), "A2");
  EXPECT_EQ(list[1].at("agreement").as_string(), "A1");
  for (const auto& a : list) EXPECT_EQ(a.at("case_id").as_string(), opened_.case_id);
  // The person and a team lead of their region; nobody else.
  EXPECT_EQ(call("GET", "/v1/people/icm-1/agreements", "tl-g").status, 200);
  EXPECT_EQ(call("GET", "/v1/people/icm-1/agreements", "icm-2").status, 403);
  EXPECT_EQ(call("GET", "/v1/people/icm-1/agreements", "tl-d").status, 403);
  EXPECT_EQ(call("GET", "/v1/people/nobody/agreements", "tl-g").status, 404);
  EXPECT_EQ(call("GET", "/v1/people/icm-1/agreements", "").status, 401);
}

TEST_F(AgreementsApiTest, NeedToKnowAsForEvents) {
  EXPECT_EQ(make(kReferral, "").status, 401);
  EXPECT_EQ(make(kReferral, "icm-2").status, 403);
  EXPECT_EQ(make(kReferral, "tl-d").status, 403);
  EXPECT_EQ(call("GET", "/v1/cases/" + opened_.case_id + "/agreements", "icm-2").status, 403);
  EXPECT_EQ(call("GET", "/v1/cases/CNOTACASE/agreements", "icm-1").status, 404);
  EXPECT_EQ(call("DELETE", "/v1/cases/" + opened_.case_id + "/agreements", "icm-1").status, 405);
  EXPECT_EQ(make(kReferral, "tl-g").status, 201);  // the region's team lead may record
}

TEST_F(AgreementsApiTest, EveryFieldRuleIsAClearRefusalThatChangesNothing) {
  ASSERT_EQ(make(kReferral).status, 201);
  const auto before = snapshot();
  struct Case {
    std::string path, body, field;
    int status;
  };
  const std::string due = R"("due_by":"2026-11-25T12:00:00+01:00")";
  const Case cases[] = {
      {"agreements", R"({"category":"other","text":"t","track":"victim",)" + due + "}", "who", 422},
      {"agreements",
       R"({"who":"unknown-partner","category":"other","text":"t","track":"victim",)" + due + "}",
       "who", 422},
      {"agreements",
       R"({"who":"family","category":"referral","text":"t","track":"victim",)" + due + "}", "who",
       422},
      {"agreements",
       R"({"who":"family","category":"dinner","text":"t","track":"victim",)" + due + "}",
       "category", 422},
      {"agreements",
       R"({"who":"family","category":"other","text":")" + std::string(281, 'x') +
           R"(","track":"victim",)" + due + "}",
       "text", 422},
      {"agreements", R"({"who":"family","category":"other","text":"t","track":"dog",)" + due + "}",
       "track", 422},
      {"agreements",
       R"({"who":"family","category":"other","text":"t","track":"victim","due_by":"2026-11-01T12:00:00+01:00"})",
       "due_by", 422},
      {"agreements",
       R"({"who":"family","category":"other","text":"t","track":"victim","due_by":"2026-11-25"})",
       "due_by", 422},
      {"agreements",
       R"({"who":"family","category":"other","text":"t","track":"victim",)" + due +
           R"(,"phone":"+31600000000"})",
       "phone", 422},
      {"agreements/state", R"({"agreement":"A2","state":"done"})", "agreement", 404},
      {"agreements/state", R"({"agreement":"A1","state":"lost"})", "state", 422},
      {"agreements/state", R"({"agreement":"A1","state":"done","at":"2027-01-01T12:00:00+01:00"})",
       "at", 422},
      {"agreements/state",
       R"({"agreement":"A1","state":"cancelled","started_at":"2026-11-22T16:00:00+01:00"})",
       "started_at", 422},
      // When help started: not in the future, not before the referral was asked (16:00).
      {"agreements/state",
       R"({"agreement":"A1","state":"done","started_at":"2026-11-23T16:00:00+01:00"})",
       "started_at", 422},
      {"agreements/state",
       R"({"agreement":"A1","state":"done","started_at":"2026-11-22T15:59:00+01:00"})",
       "started_at", 422},
  };
  for (const auto& c : cases) {
    const auto r = call("POST", "/v1/cases/" + opened_.case_id + "/" + c.path, "icm-1", c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " → " << r.body;
    EXPECT_EQ(error_field(r), c.field) << c.body << " → " << r.body;
    EXPECT_EQ(r.body.find("+31600000000"), std::string::npos) << "no value echoed";
    EXPECT_EQ(snapshot(), before) << c.body;
  }
  // Not JSON, and the wrong media type.
  EXPECT_EQ(make("{").status, 400);
  EXPECT_EQ(
      call("POST", "/v1/cases/" + opened_.case_id + "/agreements", "icm-1", kReferral, "text/plain")
          .status,
      415);
  EXPECT_EQ(snapshot(), before);
}

TEST_F(AgreementsApiTest, DoneStopsTheClockAndRecordsTheWaitingTimeOnce) {
  ASSERT_EQ(make(kReferral).status, 201);
  ASSERT_FALSE(timer_of("A1").empty());
  clock_.set(t0_ + 50h);
  const auto r =
      change(R"({"agreement":"A1","state":"done","started_at":"2026-11-24T16:00:00+01:00"})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto changed = parse(r);
  const auto& a = changed.at("agreement").as_object();
  EXPECT_EQ(a.at("state").as_string(), "done");
  EXPECT_EQ(a.at("changed_by").as_string(), "person:icm-1");
  EXPECT_EQ(a.at("waiting_ms").as_int64(), 48LL * 3600 * 1000);  // asked 15:00, started +48 h
  EXPECT_TRUE(timer_of("A1").empty()) << "done stops the clock";
  const auto again = change(R"({"agreement":"A1","state":"cancelled"})");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(error_field(again), "state");
  const auto timeline = call("GET", "/v1/cases/" + opened_.case_id + "/timeline", "icm-1");
  const auto events = parse(timeline);
  const auto& last = events.at("events").as_array().back().as_object();
  EXPECT_EQ(last.at("state").as_string(), "done");
  EXPECT_EQ(last.at("waiting_ms").as_int64(), 48LL * 3600 * 1000);
}

TEST_F(AgreementsApiTest, OverduePagesTheCasemanagerThenTheTeamLeadWithoutThePartnerOrText) {
  ASSERT_EQ(make(kReferral).status, 201);
  // Keep the stall clock quiet: the casemanager checks in.
  clock_.set(at("2026-11-25T11:00:00Z"));
  auto fired = shell_->run_due();
  std::vector<Fired> agreement;
  for (const auto& f : fired)
    if (f.clock == ClockKind::agreement) agreement.push_back(f);
  ASSERT_EQ(agreement.size(), 1u);
  EXPECT_EQ(agreement[0].step, "overdue");
  EXPECT_EQ(agreement[0].person, "icm-1");
  const auto page = store::page_key(agreement[0].page_id);
  const auto text = hget(page, "text");
  EXPECT_EQ(text, "piket AFSPRAAK VERLOPEN sinds 25-11 12:00 zaak " + opened_.case_id +
                      " regio groningen. Antwoord " + hget(page, "ack_code") + " om aan te nemen.");
  EXPECT_EQ(hget(page, "rule"), "deadline:agreement:overdue");

  clock_.set(at("2026-11-26T11:00:00Z"));
  fired = shell_->run_due();
  agreement.clear();
  for (const auto& f : fired)
    if (f.clock == ClockKind::agreement) agreement.push_back(f);
  ASSERT_EQ(agreement.size(), 1u);
  EXPECT_EQ(agreement[0].step, "escalate");
  EXPECT_EQ(agreement[0].person, "tl-g");
  const auto esc = hget(store::page_key(agreement[0].page_id), "text");
  EXPECT_EQ(
      esc.rfind("piket OPGESCHAALD AFSPRAAK VERLOPEN sinds 25-11 12:00 zaak " + opened_.case_id, 0),
      0u)
      << esc;
  for (const auto& t : {text, esc}) {
    EXPECT_EQ(t.find("vz-noord"), std::string::npos);
    EXPECT_EQ(t.find("Synthetic"), std::string::npos);
    EXPECT_EQ(t.find("intake"), std::string::npos);
  }
}

// Each agreement made and each change of its state is in the one audit
// trail: who, the case, the agreement's id and state — never its text or its
// partner; a refusal writes nothing.
TEST_F(AgreementsApiTest, EachAgreementAndItsStateChangeIsInTheAuditTrailWithoutItsText) {
  ASSERT_EQ(make(kReferral).status, 201);
  ASSERT_EQ(change(R"({"agreement":"A1","state":"finished"})").status, 422);  // no entry
  clock_.set(t0_ + 5h);
  ASSERT_EQ(change(R"({"agreement":"A1","state":"done"})").status, 200);
  const auto entries = audit_entries();
  ASSERT_EQ(entries.size(), 2u) << audit_text();
  EXPECT_EQ(entries[0].action, "case.agreement");
  EXPECT_EQ(entries[0].reason, "agreement A1 open");
  EXPECT_EQ(entries[0].domain_at, t0_ + 2h);
  EXPECT_EQ(entries[1].action, "case.agreement_state");
  EXPECT_EQ(entries[1].reason, "agreement A1 done at 2026-11-22T18:00:00.000Z");
  EXPECT_EQ(entries[1].domain_at, t0_ + 5h);
  for (const auto& e : entries) {
    EXPECT_EQ(e.who, "icm-1");
    EXPECT_EQ(e.role, "casemanager");
    EXPECT_EQ(e.target, opened_.case_id);
    EXPECT_EQ(e.outcome, "allowed");
  }
  const auto text = audit_text();
  for (const auto* secret : {"intake addiction care", "Synthetic", "vz-noord"})
    EXPECT_EQ(text.find(secret), std::string::npos) << secret;
}

TEST_F(AgreementsApiTest, AHandoverWithoutItsConditionsIsRefusedWithThemAcceptedAndItsCadenceRuns) {
  const auto& id = opened_.case_id;
  for (const char* type : {"intake", "plan_of_action", "help_started"})
    ASSERT_EQ(call("POST", "/v1/cases/" + id + "/events", "icm-1",
                   std::string(R"({"type":")") + type + "\"}")
                  .status,
              201)
        << type;
  clock_.set(t0_ + 90 * 24h);
  shell_->run_due();
  const std::string who =
      R"("receiving_organisation":"Synthetic local team","receiving_role":"casusregisseur")";
  const auto before = snapshot();
  auto r = call("POST", "/v1/cases/" + id + "/events", "icm-1",
                R"({"type":"handover",)" + who + R"(,"safety_reached":true})");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(error_field(r), "help_plan_exists");
  EXPECT_EQ(snapshot(), before) << "a refused handover changes nothing";

  r = call("POST", "/v1/cases/" + id + "/events", "icm-1",
           R"({"type":"handover",)" + who +
               R"(,"safety_reached":true,"help_plan_exists":true,"checkin_days":14})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(parse(r).at("phase").as_string(), "handover");
  EXPECT_EQ(hget(store::case_key(id), "handover_organisation"), "Synthetic local team");
  EXPECT_EQ(hget(store::case_key(id), "checkin_days"), "14");
  // The stall clock's reminder 14 calendar days after the handover, stored as its timer.
  const auto remind = common::to_epoch_ms(t0_ + 104 * 24h);
  bool found = false;
  for (const auto& t : timers())
    if (t.find("|checkin|remind|") != std::string::npos) {
      found = true;
      EXPECT_EQ(conn_.command({"ZSCORE", std::string(store::kDeadlinesDue), t}).str,
                std::to_string(remind));
    }
  EXPECT_TRUE(found);
  clock_.set(t0_ + 104 * 24h);
  std::vector<std::string> taken;
  for (const auto& f : shell_->run_due())
    if (f.clock == ClockKind::checkin) taken.push_back(f.step + "->" + f.person);
  EXPECT_EQ(taken, (std::vector<std::string>{"remind->icm-1"}));
}

}  // namespace
}  // namespace piket::cases
