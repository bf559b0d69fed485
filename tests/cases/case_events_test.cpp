// Recording events: parsing the body, the phase rules, closing, reassignment
// and need-to-know access — refusals name the field at fault.
#include "piket/cases/case_events.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "engine_support.hpp"
#include "piket/cases/staff_auth.hpp"
#include "piket/common/crypto.hpp"
#include "piket/config/config.hpp"
#include "piket/store/case_record.hpp"
#include "test_config.hpp"

namespace piket::cases {
namespace {

using namespace std::chrono_literals;
using common::Instant;
using test::at;

constexpr auto day = std::chrono::hours{24};

class CaseEventsTest : public ::testing::Test {
 protected:
  config::Config config_ = test::test_config();
  StaffDirectory staff_{config_};
  EngineRules rules_{config_.deadlines, staff_, config_.reply_code_window()};
  const Instant t0_ = at("2026-11-22T13:00:00Z");
  const Actor icm1_{"icm-1", rota::StaffRole::casemanager, {"groningen"}};
  const Actor icm2_{"icm-2", rota::StaffRole::casemanager, {"groningen"}};
  const Actor lead_{"tl-g", rota::StaffRole::team_lead, {"groningen"}};

  CaseState fresh() const {
    CaseState s;
    s.id = "C0000000B";
    s.region = "groningen";
    s.opened_at = s.phase_at = s.last_activity_at = t0_;
    s.casemanager = "icm-1";
    IncidentFacts i;
    i.id = "I000000000000000B";
    i.kind = common::IncidentKind::code_red;
    i.accepted_at = t0_;
    i.status = "acknowledged";
    s.incidents.push_back(i);
    return s;
  }

  common::ApiRefusal parse_refusal(const std::string& body, Instant now) {
    auto r = parse_event(body, now);
    EXPECT_TRUE(std::holds_alternative<common::ApiRefusal>(r)) << body;
    return std::holds_alternative<common::ApiRefusal>(r) ? std::get<common::ApiRefusal>(r)
                                                         : common::ApiRefusal{};
  }
  common::ApiRefusal apply_refusal(const CaseState& s, EventRequest e, const Actor& a,
                                   Instant now) {
    auto r = apply_event(s, e, a, rules_, now);
    EXPECT_TRUE(std::holds_alternative<common::ApiRefusal>(r)) << to_string(e.type);
    return std::holds_alternative<common::ApiRefusal>(r) ? std::get<common::ApiRefusal>(r)
                                                         : common::ApiRefusal{};
  }
  CaseState applied(const CaseState& s, EventRequest e, const Actor& a, Instant now) {
    auto r = apply_event(s, e, a, rules_, now);
    if (auto* f = std::get_if<common::ApiRefusal>(&r))
      ADD_FAILURE() << f->code << ": " << f->message;
    return std::holds_alternative<Change>(r) ? std::get<Change>(r).after : s;
  }
};

TEST_F(CaseEventsTest, ParsesAWellFormedEvent) {
  auto r =
      parse_event(R"({"type":"intake","at":"2026-11-22T16:00:00+01:00","reason":"r"})", t0_ + 3h);
  ASSERT_TRUE(std::holds_alternative<EventRequest>(r));
  const auto& e = std::get<EventRequest>(r);
  EXPECT_EQ(e.type, EventType::intake);
  EXPECT_EQ(e.at, t0_ + 2h);
  EXPECT_EQ(e.reason, "r");
  auto d = parse_event(R"({"type":"first_contact"})", t0_ + 1h);
  ASSERT_TRUE(std::holds_alternative<EventRequest>(d));
  EXPECT_EQ(std::get<EventRequest>(d).at, t0_ + 1h);  // default: now
}

TEST_F(CaseEventsTest, MalformedBodiesAreRefusedNamingTheField) {
  struct Case {
    std::string body;
    int status;
    std::string code, field;
  };
  const std::vector<Case> cases{
      {"not json", 400, "invalid_json", ""},
      {"[1,2]", 400, "not_an_object", ""},
      {"{}", 422, "required", "type"},
      {R"({"type":7})", 422, "wrong_type", "type"},
      {R"({"type":"coffee"})", 422, "unknown_event_type", "type"},
      {R"({"type":"intake","at":12})", 422, "wrong_type", "at"},
      {R"({"type":"intake","at":"yesterday"})", 422, "invalid_timestamp", "at"},
      {R"({"type":"intake","at":"2026-11-22T13:00:00"})", 422, "invalid_timestamp", "at"},
      {R"({"type":"intake","at":"2026-11-23T13:00:00Z"})", 422, "in_the_future", "at"},
      {R"({"type":"intake","reason":""})", 422, "out_of_range", "reason"},
      {R"({"type":"intake","reason":5})", 422, "wrong_type", "reason"},
      {R"({"type":"intake","resaon":"typo"})", 422, "unknown_field", "resaon"},
      {R"({"type":"reassigned"})", 422, "required", "casemanager"},
      {R"({"type":"reassigned","casemanager":"Not An Id"})", 422, "wrong_type", "casemanager"},
      {R"({"type":"intake","casemanager":"icm-2"})", 422, "unknown_field", "casemanager"},
  };
  for (const auto& c : cases) {
    const auto r = parse_refusal(c.body, t0_ + 1h);
    EXPECT_EQ(r.status, c.status) << c.body;
    EXPECT_EQ(r.code, c.code) << c.body;
    EXPECT_EQ(r.field, c.field) << c.body;
  }
  EXPECT_EQ(
      parse_refusal(
          R"({"type":"intake","reason":")" + std::string(kMaxEventReason + 1, 'x') + "\"}", t0_)
          .field,
      "reason");
}

// A note is kept whole up to the bound, counted in characters: 2,000 letters
// "é" (4,000 bytes) pass, one more is refused; nothing is cut.
TEST_F(CaseEventsTest, AReasonOfTheBoundIsKeptWholeInCharacters) {
  std::string note;
  for (std::size_t i = 0; i < kMaxEventReason; ++i) note += "\u00e9";
  const auto ok = parse_event(R"({"type":"intake","reason":")" + note + "\"}", t0_);
  ASSERT_TRUE(std::holds_alternative<EventRequest>(ok));
  EXPECT_EQ(std::get<EventRequest>(ok).reason.size(), 2 * kMaxEventReason);  // bytes: all there
  EXPECT_EQ(parse_refusal(R"({"type":"intake","reason":")" + note + "x\"}", t0_).code,
            "out_of_range");
}

TEST_F(CaseEventsTest, PhasesMoveOnOneAtATime) {
  auto s = fresh();
  s = applied(s, {EventType::first_contact, t0_ + 1h, {}, {}}, icm1_, t0_ + 1h);
  EXPECT_EQ(s.phase, Phase::first_contact);
  EXPECT_EQ(s.first_contact_at, t0_ + 1h);
  EXPECT_EQ(s.last_activity_at, t0_ + 1h);
  s = applied(s, {EventType::intake, t0_ + 5h, {}, {}}, icm1_, t0_ + 6h);
  s = applied(s, {EventType::plan_of_action, t0_ + 10h, {}, {}}, icm1_, t0_ + 10h);
  s = applied(s, {EventType::help_started, t0_ + 1 * day, {}, {}}, icm1_, t0_ + 1 * day);
  EventRequest handover{EventType::handover, t0_ + 100 * day, {}, {}};
  handover.handover = test::confirmed_handover();
  s = applied(s, handover, icm1_, t0_ + 100 * day);
  EXPECT_EQ(s.phase, Phase::handover);
  s = applied(s, {EventType::monitoring_contact, t0_ + 120 * day, {}, {}}, icm1_, t0_ + 120 * day);
  EXPECT_EQ(s.phase, Phase::monitoring);
  EXPECT_EQ(s.monitoring_at, t0_ + 120 * day);
}

TEST_F(CaseEventsTest, SkippingAPhaseNeedsAReason) {
  const auto s = fresh();
  const auto r = apply_refusal(s, {EventType::intake, t0_ + 2h, {}, {}}, icm1_, t0_ + 2h);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.code, "phase_skipped");
  EXPECT_EQ(r.field, "reason");
  EXPECT_NE(r.message.find("first_contact"), std::string::npos) << r.message;
  const auto after =
      applied(s, {EventType::intake, t0_ + 2h, "met the family at the police station", {}}, icm1_,
              t0_ + 2h);
  EXPECT_EQ(after.phase, Phase::intake);
  EXPECT_FALSE(after.first_contact_at);
}

TEST_F(CaseEventsTest, GoingBackOrRecordingTwiceIsAConflict) {
  auto s = applied(fresh(), {EventType::first_contact, t0_ + 1h, {}, {}}, icm1_, t0_ + 1h);
  s = applied(s, {EventType::intake, t0_ + 2h, {}, {}}, icm1_, t0_ + 2h);
  auto r = apply_refusal(s, {EventType::first_contact, t0_ + 3h, {}, {}}, icm1_, t0_ + 3h);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.code, "phase_already_reached");
  r = apply_refusal(s, {EventType::intake, t0_ + 3h, {}, {}}, icm1_, t0_ + 3h);
  EXPECT_EQ(r.code, "phase_already_reached");
}

TEST_F(CaseEventsTest, TimesBeforeTheCaseOrThePhaseAreRefused) {
  auto r = apply_refusal(fresh(), {EventType::first_contact, t0_ - 1min, {}, {}}, icm1_, t0_ + 1h);
  EXPECT_EQ(r.code, "before_case_opened");
  EXPECT_EQ(r.field, "at");
  auto s = applied(fresh(), {EventType::first_contact, t0_ + 2h, {}, {}}, icm1_, t0_ + 2h);
  r = apply_refusal(s, {EventType::intake, t0_ + 1h, {}, {}}, icm1_, t0_ + 3h);
  EXPECT_EQ(r.code, "before_previous_phase");
  EXPECT_EQ(r.field, "at");
}

TEST_F(CaseEventsTest, CheckInsNeedAFirstContactAndEvaluationsAPlan) {
  auto r =
      apply_refusal(fresh(), {EventType::monitoring_contact, t0_ + 1h, {}, {}}, icm1_, t0_ + 1h);
  EXPECT_EQ(r.code, "no_first_contact");
  EXPECT_EQ(r.field, "type");
  auto s = applied(fresh(), {EventType::first_contact, t0_ + 1h, {}, {}}, icm1_, t0_ + 1h);
  r = apply_refusal(s, {EventType::evaluation, t0_ + 2h, {}, {}}, icm1_, t0_ + 2h);
  EXPECT_EQ(r.code, "too_early");
}

TEST_F(CaseEventsTest, ClosingNeedsAYearAndAnEvaluation) {
  auto s = fresh();
  for (auto [type, offset] :
       std::vector<std::pair<EventType, std::chrono::hours>>{{EventType::first_contact, 1h},
                                                             {EventType::intake, 4h},
                                                             {EventType::plan_of_action, 10h},
                                                             {EventType::help_started, 24h},
                                                             {EventType::handover, 100 * day}}) {
    EventRequest e{type, t0_ + offset, {}, {}};
    if (type == EventType::handover) e.handover = test::confirmed_handover();
    s = applied(s, e, icm1_, t0_ + offset);
  }
  s = applied(s, {EventType::monitoring_contact, t0_ + 110 * day, {}, {}}, icm1_, t0_ + 110 * day);
  const auto year = at("2027-11-22T13:00:00Z");
  auto r = apply_refusal(s, {EventType::closing, t0_ + 200 * day, {}, {}}, icm1_, t0_ + 200 * day);
  EXPECT_EQ(r.code, "closing_too_early");
  EXPECT_EQ(r.field, "at");
  r = apply_refusal(s, {EventType::closing, year, {}, {}}, icm1_, year);
  EXPECT_EQ(r.code, "evaluation_missing");
  s = applied(s, {EventType::evaluation, t0_ + 182 * day, {}, {}}, icm1_, t0_ + 182 * day);
  auto closed = apply_event(s, {EventType::closing, year, {}, {}}, icm1_, rules_, year);
  ASSERT_TRUE(std::holds_alternative<Change>(closed));
  EXPECT_EQ(std::get<Change>(closed).op, Change::Op::close);
  EXPECT_EQ(std::get<Change>(closed).after.phase, Phase::closed);
  // Nothing more on a closed case.
  r = apply_refusal(std::get<Change>(closed).after,
                    {EventType::monitoring_contact, year + 1h, {}, {}}, icm1_, year + 1h);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.code, "case_closed");
}

TEST_F(CaseEventsTest, ATeamLeadMayCloseEarlyWithAReason) {
  auto s = applied(fresh(), {EventType::first_contact, t0_ + 1h, {}, {}}, icm1_, t0_ + 1h);
  auto r = apply_refusal(s, {EventType::closing, t0_ + 30 * day, {}, {}}, lead_, t0_ + 30 * day);
  EXPECT_EQ(r.code, "reason_required");
  EXPECT_EQ(r.field, "reason");
  auto c =
      apply_event(s, {EventType::closing, t0_ + 30 * day, "family moved out of the region", {}},
                  lead_, rules_, t0_ + 30 * day);
  ASSERT_TRUE(std::holds_alternative<Change>(c));
  const auto entry = boost::json::parse(std::get<Change>(c).timeline_json).as_object();
  EXPECT_EQ(entry.at("type").as_string(), "closing");
  EXPECT_EQ(entry.at("by").as_string(), store::by_person("tl-g"));
  EXPECT_EQ(entry.at("reason").as_string(), "family moved out of the region");
}

TEST_F(CaseEventsTest, ReassignmentIsForTeamLeadsToACasemanagerOfTheRegion) {
  const auto s = fresh();
  auto r = apply_refusal(s, {EventType::reassigned, t0_ + 1h, {}, "icm-2"}, icm1_, t0_ + 1h);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.code, "team_lead_only");
  r = apply_refusal(s, {EventType::reassigned, t0_ + 1h, {}, "icm-d1"}, lead_, t0_ + 1h);
  EXPECT_EQ(r.code, "unknown_casemanager");
  EXPECT_EQ(r.field, "casemanager");
  r = apply_refusal(s, {EventType::reassigned, t0_ + 1h, {}, "tl-g"}, lead_, t0_ + 1h);
  EXPECT_EQ(r.code, "unknown_casemanager");
  r = apply_refusal(s, {EventType::reassigned, t0_ + 1h, {}, "icm-1"}, lead_, t0_ + 1h);
  EXPECT_EQ(r.code, "already_assigned");
  auto c = apply_event(s, {EventType::reassigned, t0_ + 1h, {}, "icm-2"}, lead_, rules_, t0_ + 1h);
  ASSERT_TRUE(std::holds_alternative<Change>(c));
  EXPECT_EQ(std::get<Change>(c).op, Change::Op::reassign);
  EXPECT_EQ(std::get<Change>(c).after.casemanager, "icm-2");
  EXPECT_EQ(std::get<Change>(c).after.last_activity_at, t0_) << "not casemanager activity";
}

TEST_F(CaseEventsTest, StaffTokensNameThePersonAndTheirRole) {
  StaffAuth auth(config_.bearer_tokens(), config_.people);
  auto a = auth.authenticate("Bearer " + test::staff_token("icm-1"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->person, "icm-1");
  EXPECT_EQ(a->role, rota::StaffRole::casemanager);
  EXPECT_EQ(a->regions, std::vector<std::string>{"groningen"});
  a = auth.authenticate("bearer  " + test::staff_token("tl-d") + " ");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->role, rota::StaffRole::team_lead);
  EXPECT_FALSE(auth.authenticate("Bearer not-a-token"));
  EXPECT_FALSE(auth.authenticate("Basic " + test::staff_token("icm-1")));
  EXPECT_FALSE(auth.authenticate(""));
}

TEST_F(CaseEventsTest, APartnerOrAdminTokenIsNoStaffMemberEvenUnderTheirId) {
  auto config = config_;
  config.partners = {{"icm-1", common::sha256_hex("partner-token"), {"groningen"}, 50, 100}};
  config.admins = {{"tl-d", common::sha256_hex("admin-token")}};
  StaffAuth auth(config.bearer_tokens(), config.people);
  EXPECT_FALSE(auth.authenticate("Bearer partner-token"));
  EXPECT_FALSE(auth.authenticate("Bearer admin-token"));
  EXPECT_TRUE(auth.authenticate("Bearer " + test::staff_token("icm-1")));
}

}  // namespace
}  // namespace piket::cases
