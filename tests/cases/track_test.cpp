// The three tracks on a case (issue 16), with no I/O: which tracks a case
// knows (its incidents' roles, and what was recorded), every field rule of
// recording on a track (a refusal names the field and changes nothing), the
// track clock of the pure engine (the casemanager at 7 days after the case's
// first contact, the team lead after the grace, a contact stops it, "not
// applicable" takes the track off the clock), and the page texts in both
// languages.
#include "piket/cases/track.hpp"

#include <gtest/gtest.h>

#include <tuple>

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

class TrackTest : public ::testing::Test {
 protected:
  config::Config config_ = test::test_config("[deadlines]\ntrack_grace_hours = 24\n");
  StaffDirectory staff_{config_};
  EngineRules rules_{config_.deadlines, staff_, config_.reply_code_window()};
  const Instant t0_ = at("2026-11-22T13:00:00Z");
  const Instant contact_ = t0_ + 1h;
  const Actor icm1_{"icm-1", rota::StaffRole::casemanager, {"groningen"}};

  CaseState a_case() const {
    CaseState s;
    s.id = "C0000000A";
    s.region = "groningen";
    s.opened_at = s.phase_at = s.last_activity_at = t0_;
    s.phase = Phase::plan_of_action;
    s.first_contact_at = s.plan_at = contact_;
    s.casemanager = "icm-1";
    s.role_tracks = {Track::perpetrator, Track::victim, Track::children, Track::other};
    return s;
  }

  // Records `json` on `s` at `now` through the rules, and applies it.
  TrackWrite record(CaseState& s, const std::string& json, Instant now) const {
    auto parsed = parse_track_change(json, now);
    EXPECT_TRUE(std::holds_alternative<TrackChange>(parsed)) << json;
    auto w = change_track(s, std::get<TrackChange>(parsed), icm1_, now);
    EXPECT_TRUE(std::holds_alternative<TrackWrite>(w)) << json;
    s = std::get<TrackWrite>(w).after;
    return std::get<TrackWrite>(w);
  }

  ApiRefusal refusal(const CaseState& s, const std::string& json, Instant now) const {
    auto parsed = parse_track_change(json, now);
    if (auto* r = std::get_if<ApiRefusal>(&parsed)) return *r;
    auto w = change_track(s, std::get<TrackChange>(parsed), icm1_, now);
    if (auto* r = std::get_if<ApiRefusal>(&w)) return *r;
    return ApiRefusal{0, "accepted", "", ""};
  }

  // The track steps taken at `now`, as "track step->to".
  std::vector<std::string> track_steps(CaseState& s, Instant now) const {
    std::vector<std::string> out;
    for (const auto& t : test::take_due(s, rules_, now))
      if (t.clock == "track") out.push_back(t.step + "->" + t.to);
    return out;
  }
};

TEST_F(TrackTest, ACaseKnowsItsTracksFromRolesAndRecords) {
  CaseState s = a_case();
  s.role_tracks = {Track::victim};
  EXPECT_EQ(case_tracks(s), std::vector<Track>{Track::victim});
  record(s, R"({"track":"perpetrator","type":"first_contact"})", t0_ + 2h);
  EXPECT_EQ(case_tracks(s), (std::vector<Track>{Track::perpetrator, Track::victim}));
  const auto view = tracks_view_json(s);
  EXPECT_NE(view.find(R"({"track":"perpetrator","from_roles":false,"state":"seen")"),
            std::string::npos)
      << view;
  EXPECT_NE(view.find(R"({"track":"victim","from_roles":true,"state":"not_seen")"),
            std::string::npos)
      << view;
  EXPECT_NE(view.find(R"("by":"person:icm-1")"), std::string::npos) << view;
}

TEST_F(TrackTest, EveryFieldRuleNamesItsFieldAndChangesNothing) {
  const auto s = a_case();
  const auto now = t0_ + 2h;
  struct Case {
    std::string json, field, code;
    int status;
  };
  const Case cases[] = {
      {"not json", "", "invalid_json", 400},
      {"[]", "", "not_an_object", 400},
      {R"({"type":"first_contact"})", "track", "required", 422},
      {R"({"track":"uncle","type":"first_contact"})", "track", "unknown_track", 422},
      {R"({"track":7,"type":"first_contact"})", "track", "wrong_type", 422},
      {R"({"track":"victim"})", "type", "required", 422},
      {R"({"track":"victim","type":"visit"})", "type", "unknown_type", 422},
      {R"({"track":"victim","type":"first_contact","at":"yesterday"})", "at", "invalid_timestamp",
       422},
      {R"({"track":"victim","type":"first_contact","at":"2026-11-30T12:00:00+01:00"})", "at",
       "in_the_future", 422},
      {R"({"track":"victim","type":"first_contact","at":"2026-11-20T12:00:00+01:00"})", "at",
       "before_case_opened", 422},
      {R"({"track":"victim","type":"first_contact","reason":"refuses"})", "reason",
       "not_not_applicable", 422},
      {R"({"track":"victim","type":"not_applicable"})", "reason", "required", 422},
      {R"({"track":"victim","type":"not_applicable","reason":"on holiday"})", "reason",
       "unknown_reason", 422},
      {R"({"track":"victim","type":"not_applicable","reason":"no_children"})", "reason",
       "not_the_children_track", 422},
      {R"({"track":"victim","type":"first_contact","name":"Synthetic"})", "name", "unknown_field",
       422},
  };
  for (const auto& c : cases) {
    const auto r = refusal(s, c.json, now);
    EXPECT_EQ(r.status, c.status) << c.json << " → " << r.code;
    EXPECT_EQ(r.field, c.field) << c.json << " → " << r.code;
    EXPECT_EQ(r.code, c.code) << c.json;
    EXPECT_FALSE(r.message.empty());
  }
  // Once recorded, the same again is 409 naming the field; a closed case refuses.
  auto t = a_case();
  record(t, R"({"track":"victim","type":"first_contact"})", now);
  const auto again = refusal(t, R"({"track":"victim","type":"first_contact"})", now + 1h);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.field, "type");
  t.phase = Phase::closed;
  EXPECT_EQ(refusal(t, R"({"track":"victim","type":"intake"})", now + 1h).code, "case_closed");
}

TEST_F(TrackTest, EachRecordSaysWhoAndWhenAndTheTimelineHasNoPerson) {
  auto s = a_case();
  const auto w = record(
      s, R"({"track":"victim","type":"first_contact","at":"2026-11-22T16:00:00+01:00"})", t0_ + 4h);
  EXPECT_EQ(w.record.first_contact_at, t0_ + 2h);
  EXPECT_EQ(w.record.first_contact_by, "person:icm-1");
  EXPECT_EQ(s.last_activity_at, t0_ + 2h);
  EXPECT_EQ(
      w.timeline_json,
      R"({"at":)" + std::to_string(common::to_epoch_ms(t0_ + 2h)) +
          R"(,"type":"track","track":"victim","mark":"first_contact","by":"person:icm-1","recorded_at":)" +
          std::to_string(common::to_epoch_ms(t0_ + 4h)) + "}");
  record(s, R"({"track":"children","type":"not_applicable","reason":"no_children"})", t0_ + 5h);
  const auto* r = track_record(s, Track::children);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->not_applicable, TrackReason::no_children);
  EXPECT_EQ(r->not_applicable_at, t0_ + 5h);
  // "Not applicable" is not activity with the family.
  EXPECT_EQ(s.last_activity_at, t0_ + 2h);
  // The records round-trip.
  for (const auto& rec : s.tracks) {
    const auto back = parse_track_record_json(to_record_json(rec));
    ASSERT_TRUE(back);
    EXPECT_EQ(to_record_json(*back), to_record_json(rec));
  }
  EXPECT_FALSE(parse_track_record_json(R"({"track":"uncle"})"));
  EXPECT_FALSE(parse_track_record_json(
      R"({"track":"victim","not_applicable":"bored","not_applicable_at":1})"));
  // A contact after all makes the track apply again.
  record(s, R"({"track":"children","type":"first_contact"})", t0_ + 6h);
  EXPECT_FALSE(track_record(s, Track::children)->not_applicable);
}

TEST_F(TrackTest, ATrackNotSeenRemindsTheCasemanagerThenTheTeamLead) {
  auto s = a_case();
  s.role_tracks = {Track::perpetrator, Track::victim};
  record(s, R"({"track":"victim","type":"first_contact"})", contact_ + 1h);
  const auto due = contact_ + 7 * day;
  auto ev = evaluate(s, rules_, due - 1min);
  std::vector<std::string> timers;
  for (const auto& t : ev.timers)
    if (t.clock == ClockKind::track) timers.push_back(t.key);
  // Only the perpetrator: the victim was seen.
  EXPECT_EQ(timers, std::vector<std::string>{"C0000000A|track|overdue|perpetrator:" +
                                             std::to_string(common::to_epoch_ms(contact_))});
  for (const auto& c : ev.clocks)
    if (c.clock == ClockKind::track && c.track == "victim") {
      EXPECT_EQ(c.state, ClockState::met);
      EXPECT_EQ(c.met_at, contact_ + 1h);
    }
  EXPECT_TRUE(track_steps(s, due - 1min).empty());
  EXPECT_EQ(track_steps(s, due), std::vector<std::string>{"overdue->icm-1"});
  EXPECT_TRUE(track_steps(s, due + 23h).empty());
  EXPECT_EQ(track_steps(s, due + 24h), std::vector<std::string>{"escalate->tl-g"});
  ev = evaluate(s, rules_, due + 25h);
  for (const auto& c : ev.clocks)
    if (c.clock == ClockKind::track) {
      EXPECT_EQ(c.track == "perpetrator" ? ClockState::overdue : ClockState::met, c.state);
    }
}

TEST_F(TrackTest, AContactOrIntakeStopsTheClockAndNotApplicableTakesTheTrackOff) {
  auto s = a_case();
  record(s, R"({"track":"perpetrator","type":"intake"})", contact_ + 2 * day);
  record(s, R"({"track":"children","type":"not_applicable","reason":"no_children"})",
         contact_ + 2 * day);
  record(s, R"({"track":"other","type":"first_contact"})", contact_ + 3 * day);
  const auto due = contact_ + 7 * day;
  EXPECT_EQ(track_steps(s, due), std::vector<std::string>{"overdue->icm-1"});  // the victim only
  for (const auto& c : evaluate(s, rules_, due).clocks)
    EXPECT_FALSE(c.clock == ClockKind::track && c.track == "children") << "off the clock";
  record(s, R"({"track":"victim","type":"first_contact"})", due + 1h);
  EXPECT_TRUE(track_steps(s, due + 30 * day).empty()) << "seen: no escalation";
  for (const auto& t : evaluate(s, rules_, due + 2h).timers) EXPECT_NE(t.clock, ClockKind::track);
}

TEST_F(TrackTest, NoTrackClockBeforeTheCasesFirstContact) {
  auto s = a_case();
  s.first_contact_at.reset();
  s.phase = Phase::registered;
  for (const auto& c : evaluate(s, rules_, t0_ + 30 * day).clocks)
    EXPECT_NE(c.clock, ClockKind::track);
}

TEST_F(TrackTest, NoTrackClockForAFirstContactBeforeTheUpgrade) {
  auto cfg = test::test_config("[deadlines]\ntrack_clocks_since = \"2026-11-22T15:00:00+01:00\"\n");
  StaffDirectory staff{cfg};
  EngineRules rules{cfg.deadlines, staff, cfg.reply_code_window()};
  auto s = a_case();  // first contact 14:00 UTC, 15:00 in Amsterdam: not before it
  auto has_track_clock = [&] {
    for (const auto& c : evaluate(s, rules, t0_ + 30 * day).clocks)
      if (c.clock == ClockKind::track) return true;
    return false;
  };
  EXPECT_TRUE(has_track_clock());
  s.first_contact_at = contact_ - 1min;
  EXPECT_FALSE(has_track_clock());
  EXPECT_THROW(test::test_config("[deadlines]\ntrack_clocks_since = \"soon\"\n"),
               common::ConfigError);
}

TEST_F(TrackTest, ThePolicyIsConfigurableWithinBounds) {
  auto cfg = test::test_config("[deadlines]\ntrack_days = 3\ntrack_grace_hours = 4\n");
  StaffDirectory staff{cfg};
  EngineRules rules{cfg.deadlines, staff, cfg.reply_code_window()};
  auto s = a_case();
  s.role_tracks = {Track::victim};
  const auto due = contact_ + 3 * day;
  EXPECT_TRUE(test::take_due(s, rules, due - 1min).empty());
  auto taken = test::take_due(s, rules, due + 4h);
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0].to, "icm-1");
  EXPECT_EQ(taken[1].to, "tl-g");
  const auto defaults = test::test_config("").deadlines.defaults;
  EXPECT_EQ(defaults.track_days, 7);
  EXPECT_EQ(defaults.track_grace, 24h);
  EXPECT_THROW(test::test_config("[deadlines]\ntrack_days = 0\n"), common::ConfigError);
  EXPECT_THROW(test::test_config("[deadlines]\ntrack_days = 91\n"), common::ConfigError);
  EXPECT_THROW(test::test_config("[deadlines]\ntrack_grace_hours = 0\n"), common::ConfigError);
}

// Issue 16's policy: "every track within 7 days of the first contact" — the
// track of another person of the family ("other") is on the clock like the
// method's three; "not applicable" takes it off.
TEST_F(TrackTest, TheOtherTrackIsOnTheClockLikeTheOthers) {
  auto s = a_case();
  s.role_tracks = {Track::victim, Track::other};
  record(s, R"({"track":"victim","type":"first_contact"})", contact_ + 1h);
  const auto due = contact_ + 7 * day;
  std::vector<std::string> timers;
  for (const auto& t : evaluate(s, rules_, due - 1min).timers)
    if (t.clock == ClockKind::track) timers.push_back(t.key);
  EXPECT_EQ(timers, std::vector<std::string>{"C0000000A|track|overdue|other:" +
                                             std::to_string(common::to_epoch_ms(contact_))});
  auto later = s;
  EXPECT_TRUE(track_steps(s, due - 1min).empty());
  EXPECT_EQ(track_steps(s, due), std::vector<std::string>{"overdue->icm-1"});
  EXPECT_EQ(track_steps(s, due + 24h), std::vector<std::string>{"escalate->tl-g"});
  // Seen in time, or "not applicable" (unreachable): no page.
  auto seen = later;
  record(seen, R"({"track":"other","type":"intake"})", due - 1h);
  EXPECT_TRUE(track_steps(seen, due + 25h).empty());
  record(later, R"({"track":"other","type":"not_applicable","reason":"unreachable"})", due - 1h);
  EXPECT_TRUE(track_steps(later, due + 25h).empty());
}

TEST_F(TrackTest, ThePageSaysOnlyTheCaseTheTrackRoleAndHowToAnswer) {
  using paging::DeadlineClock;
  using paging::DeadlineStage;
  paging::DeadlinePageContent c{
      "C12345678", DeadlineClock::track_perpetrator, DeadlineStage::overdue,
      "groningen", at("2026-11-29T13:00:00Z"),       "047110"};
  EXPECT_EQ(paging::render_deadline_sms(c),
            "piket SPOOR NIET GEZIEN (pleger) sinds 29-11 14:00 zaak C12345678 regio groningen. "
            "Antwoord 047110 om aan te nemen.");
  EXPECT_EQ(paging::deadline_tag(c)->brief, "SPOOR NIET GEZIEN C12345678");
  c.stage = DeadlineStage::escalation;
  EXPECT_EQ(paging::render_deadline_sms(c),
            "piket OPGESCHAALD SPOOR NIET GEZIEN (pleger) sinds 29-11 14:00 zaak C12345678 regio "
            "groningen. Antwoord 047110 om aan te nemen.");
  EXPECT_EQ(paging::deadline_tag(c)->brief, "OPGESCHAALD SPOOR NIET GEZIEN C12345678");
  c.language = i18n::Language::en;
  c.clock = DeadlineClock::track_children;
  c.stage = DeadlineStage::overdue;
  EXPECT_EQ(paging::render_deadline_sms(c),
            "piket TRACK NOT SEEN (children) since 29-11 14:00 case C12345678 region groningen. "
            "Reply 047110 to acknowledge.");
  EXPECT_EQ(paging::deadline_tag(c)->brief, "TRACK NOT SEEN C12345678");
  EXPECT_TRUE(paging::fits_one_segment(*paging::render_deadline_sms(c)));
  // Another person of the family ("other"): the role only, in one segment.
  c.clock = DeadlineClock::track_other;
  const std::tuple<i18n::Language, DeadlineStage, const char*> other[] = {
      {i18n::Language::en, DeadlineStage::overdue,
       "piket TRACK NOT SEEN (other person) since 29-11 14:00 case C12345678 region groningen. "
       "Reply 047110 to acknowledge."},
      {i18n::Language::nl, DeadlineStage::escalation,
       "piket OPGESCHAALD SPOOR NIET GEZIEN (andere betrokkene) sinds 29-11 14:00 zaak C12345678 "
       "regio groningen. Antwoord 047110 om aan te nemen."}};
  for (const auto& [language, stage, text] : other) {
    c.language = language;
    c.stage = stage;
    EXPECT_EQ(paging::render_deadline_sms(c), text);
    EXPECT_TRUE(paging::fits_one_segment(*paging::render_deadline_sms(c)));
  }
}

}  // namespace
}  // namespace piket::cases
