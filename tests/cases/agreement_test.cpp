// Agreements on a case (issue 16), with no I/O: every field rule of making
// and settling one (a refusal names the field and changes nothing), the
// agreement clock of the pure engine (the casemanager at the due time, the
// team lead after the grace period, done or cancelled stops it), the
// referral's waiting time, and the page texts in both languages.
#include "piket/cases/agreement.hpp"

#include <gtest/gtest.h>

#include "engine_support.hpp"
#include "piket/config/config.hpp"
#include "piket/paging/deadline_text.hpp"
#include "piket/paging/gsm7.hpp"
#include "test_config.hpp"

namespace piket::cases {
namespace {

using namespace std::chrono_literals;
using common::ApiRefusal;
using common::Instant;
using test::at;

constexpr auto day = std::chrono::hours{24};

const std::string kPartners =
    "[[chain_partners]]\nid = \"vz-noord\"\nname = \"Synthetic Addiction Care\"\n"
    "kind = \"addiction_care\"\nregion = \"groningen\"\n\n"
    "[[chain_partners]]\nid = \"jz-drenthe\"\nname = \"Synthetic Youth Care\"\n"
    "kind = \"youth_care\"\nregion = \"drenthe\"\n\n"
    "[deadlines]\nagreement_grace_hours = 24\n";

class AgreementTest : public ::testing::Test {
 protected:
  config::Config config_ = test::test_config(kPartners);
  StaffDirectory staff_{config_};
  EngineRules rules_{config_.deadlines, staff_, config_.reply_code_window(), &config_.chain};
  const Instant t0_ = at("2026-11-22T13:00:00Z");
  const Actor icm1_{"icm-1", rota::StaffRole::casemanager, {"groningen"}};

  CaseState a_case() const {
    CaseState s;
    s.id = "C0000000A";
    s.region = "groningen";
    s.opened_at = s.phase_at = s.last_activity_at = t0_;
    s.phase = Phase::plan_of_action;
    s.first_contact_at = s.plan_at = t0_ + 1h;
    s.casemanager = "icm-1";
    return s;
  }

  std::string body(const std::string& who, const std::string& category, const std::string& due,
                   const std::string& extra = {}) const {
    return R"({"who":")" + who + R"(","category":")" + category +
           R"(","text":"intake booked","track":"perpetrator","due_by":")" + due + "\"" + extra +
           "}";
  }

  // Makes an agreement on `s` at `now` through the rules, and applies it.
  Agreement make(CaseState& s, const std::string& json, Instant now) const {
    auto parsed = parse_new_agreement(json, now);
    EXPECT_TRUE(std::holds_alternative<NewAgreement>(parsed)) << json;
    auto w = make_agreement(s, std::get<NewAgreement>(parsed), icm1_, config_.chain, now);
    EXPECT_TRUE(std::holds_alternative<AgreementWrite>(w));
    s = std::get<AgreementWrite>(w).after;
    return std::get<AgreementWrite>(w).agreement;
  }

  void settle(CaseState& s, const std::string& json, Instant now) const {
    auto parsed = parse_agreement_change(json, now);
    ASSERT_TRUE(std::holds_alternative<AgreementStateChange>(parsed)) << json;
    auto w = change_agreement(s, std::get<AgreementStateChange>(parsed), icm1_, now);
    ASSERT_TRUE(std::holds_alternative<AgreementWrite>(w)) << json;
    s = std::get<AgreementWrite>(w).after;
  }

  // The refusal of making `json` on a_case() at t0 + 2 h.
  ApiRefusal refusal_of_new(const std::string& json) const {
    const auto now = t0_ + 2h;
    auto parsed = parse_new_agreement(json, now);
    if (auto* r = std::get_if<ApiRefusal>(&parsed)) return *r;
    auto w = make_agreement(a_case(), std::get<NewAgreement>(parsed), icm1_, config_.chain, now);
    if (auto* r = std::get_if<ApiRefusal>(&w)) return *r;
    ADD_FAILURE() << "accepted: " << json;
    return {};
  }
};

TEST_F(AgreementTest, EveryFieldRuleOfANewAgreementNamesItsField) {
  const std::string due = "\"2026-11-25T12:00:00+01:00\"";
  struct Case {
    std::string json, field;
    int status;
  };
  const std::string long_text(281, 'x');
  const Case cases[] = {
      {"not json", "", 400},
      {"[]", "", 400},
      {R"({"category":"referral","text":"t","track":"victim","due_by":)" + due + "}", "who", 422},
      {body("nobody", "referral", "2026-11-25T12:00:00+01:00"), "who", 422},
      {body("jz-drenthe", "referral", "2026-11-25T12:00:00+01:00"), "who", 422},  // other region
      {body("family", "referral", "2026-11-25T12:00:00+01:00"), "who", 422},  // referral: a partner
      {body("vz-noord", "lunch", "2026-11-25T12:00:00+01:00"), "category", 422},
      {R"({"who":"family","category":"appointment","track":"victim","due_by":)" + due + "}", "text",
       422},
      {R"({"who":"family","category":"appointment","text":"","track":"victim","due_by":)" + due +
           "}",
       "text", 422},
      {R"({"who":"family","category":"appointment","text":")" + long_text +
           R"(","track":"victim","due_by":)" + due + "}",
       "text", 422},
      {R"({"who":"family","category":"appointment","text":"t","track":"uncle","due_by":)" + due +
           "}",
       "track", 422},
      {R"({"who":"family","category":"appointment","text":"t","track":"victim"})", "due_by", 422},
      {body("family", "appointment", "tomorrow"), "due_by", 422},
      {body("family", "appointment", "2026-11-22T14:30:00+01:00"), "due_by", 422},  // past
      {body("family", "appointment", "2028-01-01T12:00:00+01:00"), "due_by", 422},  // > 366 d
      {body("family", "appointment", "2026-11-25T12:00:00+01:00",
            R"(,"requested_at":"2026-11-22T14:00:00+01:00")"),
       "requested_at", 422},  // not a referral
      {body("vz-noord", "referral", "2026-11-25T12:00:00+01:00",
            R"(,"requested_at":"2026-11-23T14:00:00+01:00")"),
       "requested_at", 422},  // future
      {body("vz-noord", "referral", "2026-11-25T12:00:00+01:00",
            R"(,"requested_at":"2026-11-20T14:00:00+01:00")"),
       "requested_at", 422},  // before the case
      {body("family", "appointment", "2026-11-25T12:00:00+01:00", R"(,"name":"Synthetic")"), "name",
       422},
  };
  for (const auto& c : cases) {
    const auto r = refusal_of_new(c.json);
    EXPECT_EQ(r.status, c.status) << c.json << " → " << r.code;
    EXPECT_EQ(r.field, c.field) << c.json << " → " << r.code;
    EXPECT_FALSE(r.message.empty());
  }
}

TEST_F(AgreementTest, AnAgreementIsNumberedAndItsTimelineEntryHasNoText) {
  auto s = a_case();
  const auto now = t0_ + 2h;
  const auto a = make(s, body("vz-noord", "referral", "2026-11-25T12:00:00+01:00"), now);
  EXPECT_EQ(a.id, "A1");
  EXPECT_EQ(a.state, AgreementState::open);
  EXPECT_EQ(a.track, Track::perpetrator);
  EXPECT_EQ(a.requested_at, now);  // a referral: asked now
  EXPECT_EQ(make(s, body("family", "appointment", "2026-11-26T12:00:00+01:00"), now).id, "A2");
  EXPECT_EQ(s.agreements.size(), 2u);
  EXPECT_EQ(s.last_activity_at, now);

  auto parsed = parse_new_agreement(body("casemanager", "other", "2026-11-26T12:00:00+01:00"), now);
  auto w = make_agreement(s, std::get<NewAgreement>(parsed), icm1_, config_.chain, now);
  const auto& write = std::get<AgreementWrite>(w);
  EXPECT_EQ(write.agreement.id, "A3");
  EXPECT_EQ(write.timeline_json.find("intake booked"), std::string::npos) << write.timeline_json;
  EXPECT_NE(write.timeline_json.find(R"("type":"agreement")"), std::string::npos);
  EXPECT_NE(write.timeline_json.find(R"("by":"person:icm-1")"), std::string::npos);
  // The record round-trips (its text stays inside the case).
  const auto back = parse_record_json(to_record_json(write.agreement));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->text, "intake booked");
  EXPECT_EQ(back->due, write.agreement.due);
  EXPECT_EQ(back->who, "casemanager");
}

TEST_F(AgreementTest, StatesGoFromOpenOnceAndEachChangeSaysWhoAndWhen) {
  auto s = a_case();
  const auto now = t0_ + 2h;
  make(s, body("family", "appointment", "2026-11-25T12:00:00+01:00"), now);
  auto refusal = [&](const std::string& json, Instant when) {
    auto parsed = parse_agreement_change(json, when);
    if (auto* r = std::get_if<ApiRefusal>(&parsed)) return *r;
    auto w = change_agreement(s, std::get<AgreementStateChange>(parsed), icm1_, when);
    if (auto* r = std::get_if<ApiRefusal>(&w)) return *r;
    return ApiRefusal{0, "accepted", "", ""};
  };
  const auto later = now + 1h;
  EXPECT_EQ(refusal(R"({"agreement":"A9","state":"done"})", later).field, "agreement");
  EXPECT_EQ(refusal(R"({"agreement":"A9","state":"done"})", later).status, 404);
  EXPECT_EQ(refusal(R"({"agreement":"B1","state":"done"})", later).field, "agreement");
  EXPECT_EQ(refusal(R"({"agreement":"A1","state":"open"})", later).field, "state");
  EXPECT_EQ(refusal(R"({"agreement":"A1","state":"finished"})", later).field, "state");
  EXPECT_EQ(refusal(R"({"agreement":"A1"})", later).field, "state");
  EXPECT_EQ(
      refusal(R"({"agreement":"A1","state":"done","at":"2026-11-30T12:00:00+01:00"})", later).field,
      "at");  // future
  EXPECT_EQ(
      refusal(R"({"agreement":"A1","state":"done","at":"2026-11-22T14:30:00+01:00"})", later).field,
      "at");  // before the agreement was made
  EXPECT_EQ(refusal(R"({"agreement":"A1","state":"done","started_at":"2026-11-22T16:00:00+01:00"})",
                    later)
                .field,
            "started_at");  // not a referral
  EXPECT_EQ(refusal(R"({"agreement":"A1","state":"done","why":"x"})", later).field, "why");

  settle(s, R"({"agreement":"A1","state":"missed"})", later);
  EXPECT_EQ(s.agreements[0].state, AgreementState::missed);
  EXPECT_EQ(s.agreements[0].changed_at, later);
  EXPECT_EQ(s.agreements[0].changed_by, "person:icm-1");
  const auto again = refusal(R"({"agreement":"A1","state":"done"})", later + 1h);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.code, "agreement_settled");
}

TEST_F(AgreementTest, AReferralRecordsItsWaitingTimeFromRequestToStart) {
  auto s = a_case();
  const auto now = t0_ + 2h;
  make(s,
       body("vz-noord", "referral", "2026-12-10T12:00:00+01:00",
            R"(,"requested_at":"2026-11-22T14:30:00+01:00")"),
       now);
  EXPECT_EQ(s.agreements[0].requested_at, t0_ + 30min);
  const auto later = t0_ + 10 * day;
  auto parsed = parse_agreement_change(
      R"({"agreement":"A1","state":"done","started_at":"2026-11-22T14:00:00+01:00"})", later);
  auto w = change_agreement(s, std::get<AgreementStateChange>(parsed), icm1_, later);
  EXPECT_EQ(std::get<ApiRefusal>(w).field, "started_at");  // before it was asked
  settle(s, R"({"agreement":"A1","state":"done","started_at":"2026-11-29T14:30:00+01:00"})", later);
  ASSERT_TRUE(s.agreements[0].waiting());
  EXPECT_EQ(*s.agreements[0].waiting(), std::chrono::duration_cast<common::Millis>(7 * day));
  const auto view = agreement_view_json(s.agreements[0], config_.chain, later);
  EXPECT_NE(view.find(R"("waiting_ms":604800000)"), std::string::npos) << view;
  EXPECT_NE(view.find(R"("partner_kind":"addiction_care")"), std::string::npos) << view;
}

TEST_F(AgreementTest, ACaseHoldsAtMostAHundredAgreements) {
  auto s = a_case();
  for (int i = 0; i < 100; ++i)
    make(s, body("family", "appointment", "2026-11-25T12:00:00+01:00"), t0_ + 2h);
  const auto r = [&] {
    auto parsed =
        parse_new_agreement(body("family", "appointment", "2026-11-25T12:00:00+01:00"), t0_ + 2h);
    return std::get<ApiRefusal>(
        make_agreement(s, std::get<NewAgreement>(parsed), icm1_, config_.chain, t0_ + 2h));
  }();
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.code, "too_many_agreements");
}

// A new agreement sent again with its Idempotency-Key: the agreement it made,
// nothing to write; the key with another agreement or from another person is
// refused; without a key the same body is a second agreement.
TEST_F(AgreementTest, TheSameIdempotencyKeyFindsTheAgreementItMade) {
  auto s = a_case();
  const auto now = t0_ + 2h;
  const auto request = [&](const std::string& json, const std::string& key) {
    auto r = std::get<NewAgreement>(parse_new_agreement(json, now));
    r.request_key = key;
    return r;
  };
  const auto referral = body("vz-noord", "referral", "2026-11-25T12:00:00+01:00");
  auto first = make_agreement(s, request(referral, "k-1"), icm1_, config_.chain, now);
  ASSERT_TRUE(std::holds_alternative<AgreementWrite>(first));
  const auto& made = std::get<AgreementWrite>(first);
  EXPECT_TRUE(made.fresh);
  EXPECT_FALSE(made.replay);
  EXPECT_EQ(made.agreement.request_key, "k-1");
  s = made.after;
  // The key is kept in the record.
  EXPECT_EQ(parse_record_json(to_record_json(made.agreement))->request_key, "k-1");

  // Sent again, later, with its key (requested_at was its default): the same agreement.
  auto again = make_agreement(s, request(referral, "k-1"), icm1_, config_.chain, now + 5min);
  ASSERT_TRUE(std::holds_alternative<AgreementWrite>(again));
  const auto& replay = std::get<AgreementWrite>(again);
  EXPECT_TRUE(replay.replay);
  EXPECT_FALSE(replay.fresh);
  EXPECT_EQ(replay.agreement.id, "A1");
  EXPECT_EQ(replay.after.agreements.size(), 1u);
  EXPECT_TRUE(replay.fields.empty());

  // The same key with another agreement, or from another person: refused.
  const auto refused = [&](const NewAgreement& r, const Actor& actor) {
    auto w = make_agreement(s, r, actor, config_.chain, now);
    return std::holds_alternative<ApiRefusal>(w) ? std::get<ApiRefusal>(w).code : "(made)";
  };
  EXPECT_EQ(
      refused(request(body("vz-noord", "referral", "2026-11-26T12:00:00+01:00"), "k-1"), icm1_),
      "idempotency_conflict");
  const Actor icm2{"icm-2", rota::StaffRole::casemanager, {"groningen"}};
  EXPECT_EQ(refused(request(referral, "k-1"), icm2), "idempotency_conflict");

  // Another key, or none: a second agreement.
  EXPECT_EQ(make(s, referral, now).id, "A2");
  auto other = make_agreement(s, request(referral, "k-2"), icm1_, config_.chain, now);
  EXPECT_EQ(std::get<AgreementWrite>(other).agreement.id, "A3");
}

TEST_F(AgreementTest, TheClockPagesTheCasemanagerAtTheDueTimeThenTheTeamLead) {
  auto s = a_case();
  make(s, body("vz-noord", "referral", "2026-11-25T12:00:00+01:00"), t0_ + 2h);
  const auto due = at("2026-11-25T11:00:00Z");
  // Nothing before the due time; the timer is there.
  auto ev = evaluate(s, rules_, due - 1min);
  bool timer = false;
  for (const auto& t : ev.timers)
    if (t.clock == ClockKind::agreement) {
      timer = true;
      EXPECT_EQ(t.due, due);
      EXPECT_EQ(t.key, "C0000000A|agreement|overdue|A1");
    }
  EXPECT_TRUE(timer);
  for (const auto& a : ev.actions) EXPECT_NE(a.step.clock, ClockKind::agreement);

  auto taken = test::take_due(s, rules_, due);
  std::vector<std::string> agreement_steps;
  for (const auto& t : taken)
    if (t.clock == "agreement") agreement_steps.push_back(t.step + "->" + t.to);
  EXPECT_EQ(agreement_steps, (std::vector<std::string>{"overdue->icm-1"}));
  ev = evaluate(s, rules_, due);
  for (const auto& c : ev.clocks)
    if (c.clock == ClockKind::agreement) {
      EXPECT_EQ(c.agreement, "A1");
      EXPECT_EQ(c.state, ClockState::overdue);
      ASSERT_TRUE(c.next);
      EXPECT_EQ(c.next->due, due + 24h);
    }
  taken = test::take_due(s, rules_, due + 24h);
  agreement_steps.clear();
  for (const auto& t : taken)
    if (t.clock == "agreement") agreement_steps.push_back(t.step + "->" + t.to);
  EXPECT_EQ(agreement_steps, (std::vector<std::string>{"escalate->tl-g"}));
}

TEST_F(AgreementTest, DoneOrCancelledStopsTheClock) {
  for (const auto* state : {"done", "cancelled", "missed"}) {
    auto s = a_case();
    make(s, body("family", "appointment", "2026-11-25T12:00:00+01:00"), t0_ + 2h);
    settle(s, std::string(R"({"agreement":"A1","state":")") + state + "\"}", t0_ + 3h);
    const auto ev = evaluate(s, rules_, at("2026-11-30T12:00:00Z"));
    for (const auto& a : ev.actions) EXPECT_NE(a.step.clock, ClockKind::agreement) << state;
    for (const auto& t : ev.timers) EXPECT_NE(t.clock, ClockKind::agreement) << state;
  }
}

TEST_F(AgreementTest, TheGraceIsConfigurable) {
  auto cfg = test::test_config("[deadlines]\nagreement_grace_hours = 4\n" +
                               kPartners.substr(0, kPartners.find("[deadlines]")));
  StaffDirectory staff{cfg};
  EngineRules rules{cfg.deadlines, staff, cfg.reply_code_window(), &cfg.chain};
  auto s = a_case();
  make(s, body("family", "appointment", "2026-11-25T12:00:00+01:00"), t0_ + 2h);
  const auto due = at("2026-11-25T11:00:00Z");
  test::take_due(s, rules, due);
  const auto taken = test::take_due(s, rules, due + 4h);
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].clock, "agreement");
  EXPECT_EQ(taken[0].to, "tl-g");
  EXPECT_EQ(test::test_config("[deadlines]\nagreement_grace_hours = 24\n")
                .deadlines.defaults.agreement_grace,
            24h);
  EXPECT_THROW(test::test_config("[deadlines]\nagreement_grace_hours = 0\n"), common::ConfigError);
}

TEST_F(AgreementTest, ThePageSaysOnlyTheCaseTheClockAndHowToAnswer) {
  using paging::DeadlineClock;
  using paging::DeadlineStage;
  paging::DeadlinePageContent c{"C12345678", DeadlineClock::agreement,   DeadlineStage::overdue,
                                "groningen", at("2026-11-25T11:00:00Z"), "047110"};
  EXPECT_EQ(paging::render_deadline_sms(c),
            "piket AFSPRAAK VERLOPEN sinds 25-11 12:00 zaak C12345678 regio groningen. "
            "Antwoord 047110 om aan te nemen.");
  EXPECT_EQ(paging::deadline_tag(c)->brief, "AFSPRAAK VERLOPEN C12345678");
  c.stage = DeadlineStage::escalation;
  EXPECT_EQ(paging::render_deadline_sms(c),
            "piket OPGESCHAALD AFSPRAAK VERLOPEN sinds 25-11 12:00 zaak C12345678 regio "
            "groningen. Antwoord 047110 om aan te nemen.");
  c.language = i18n::Language::en;
  c.stage = DeadlineStage::overdue;
  EXPECT_EQ(paging::render_deadline_sms(c),
            "piket AGREEMENT OVERDUE since 25-11 12:00 case C12345678 region groningen. "
            "Reply 047110 to acknowledge.");
  EXPECT_EQ(paging::deadline_tag(c)->brief, "AGREEMENT OVERDUE C12345678");
  EXPECT_TRUE(paging::fits_one_segment(*paging::render_deadline_sms(c)));
}

}  // namespace
}  // namespace piket::cases
