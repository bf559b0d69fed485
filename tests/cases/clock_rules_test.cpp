// The clock rules of issue 11, each on the pure engine and the pure event
// rules (no I/O): clocks per incident (a code red five months into a case
// starts its own first-contact and plan clocks), the home ban at its 28-day
// maximum asks for no extension decision, stall detection reaches the team
// lead within the week, a reminder nobody acknowledges goes to the team lead,
// and only an evaluation within its window meets the six-month clock.
#include <gtest/gtest.h>

#include <algorithm>

#include "engine_support.hpp"
#include "piket/cases/calendar.hpp"
#include "piket/cases/engine.hpp"
#include "piket/config/config.hpp"
#include "test_config.hpp"

namespace piket::cases {
namespace {

using namespace std::chrono_literals;
using common::IncidentKind;
using common::Instant;
using test::at;
using test::Reminders;
using test::Taken;

constexpr auto day = std::chrono::hours{24};

class ClockRules : public ::testing::Test {
 protected:
  config::Config config_ = test::test_config();
  StaffDirectory staff_{config_};
  EngineRules rules_{config_.deadlines, staff_, config_.reply_code_window()};
  const Instant t0_ = at("2026-11-22T13:00:00Z");
  const Actor icm1_{"icm-1", rota::StaffRole::casemanager, {"groningen"}};
  const Actor lead_{"tl-g", rota::StaffRole::team_lead, {"groningen"}};

  static IncidentFacts incident(std::string id, IncidentKind kind, Instant accepted) {
    IncidentFacts i;
    i.id = std::move(id);
    i.kind = kind;
    i.accepted_at = accepted;
    i.status = "acknowledged";
    return i;
  }

  // A home-ban case opened at t0, its plan made, help running, activity
  // recorded up to `last_activity` days.
  CaseState running_case(int last_activity_day = 0) const {
    CaseState s;
    s.id = "C0000000B";
    s.region = "groningen";
    s.opened_at = t0_;
    s.casemanager = "icm-1";
    auto ban = incident("I000000000000000A", IncidentKind::home_ban, t0_);
    ban.ban_starts_at = t0_ - 20min;
    ban.ban_ends_at = t0_ + 10 * day;
    s.incidents.push_back(ban);
    s.phase = Phase::help;
    s.first_contact_at = t0_ + 1h;
    s.intake_at = t0_ + 3h;
    s.plan_at = t0_ + 10h;
    s.help_at = s.phase_at = t0_ + 1 * day;
    s.last_activity_at = t0_ + last_activity_day * day + 1 * day;
    return s;
  }

  static std::vector<std::string> names(const std::vector<Taken>& taken,
                                        const std::string& only_clock = {}) {
    std::vector<std::string> out;
    for (const auto& t : taken)
      if (only_clock.empty() || t.clock == only_clock)
        out.push_back(t.clock + "." + t.step + "->" + t.to);
    return out;
  }
  static const ClockView* clock(const Evaluation& ev, ClockKind k, const std::string& incident) {
    for (const auto& c : ev.clocks)
      if (c.clock == k && c.incident == incident) return &c;
    return nullptr;
  }
  EventRequest event(EventType type, Instant when, std::string incident = {}) const {
    EventRequest e;
    e.type = type;
    e.at = when;
    e.incident = std::move(incident);
    return e;
  }
  CaseState applied(const CaseState& s, const EventRequest& e, const Actor& a) const {
    auto r = apply_event(s, e, a, rules_, e.at);
    if (auto* refusal = std::get_if<common::ApiRefusal>(&r)) {
      ADD_FAILURE() << refusal->code << ": " << refusal->message;
      return s;
    }
    return std::get<Change>(r).after;
  }
  common::ApiRefusal refused(const CaseState& s, const EventRequest& e, const Actor& a) const {
    auto r = apply_event(s, e, a, rules_, e.at);
    EXPECT_TRUE(std::holds_alternative<common::ApiRefusal>(r)) << "accepted";
    return std::holds_alternative<common::ApiRefusal>(r) ? std::get<common::ApiRefusal>(r)
                                                         : common::ApiRefusal{};
  }
};

// ---- 1. clocks per incident ----------------------------------------------------

TEST_F(ClockRules, ACodeRedInMonthFiveStartsItsOwnFirstContactAndPlanClocks) {
  auto s = running_case(149);
  const auto t = t0_ + 150 * day;
  s.incidents.push_back(incident("I00000000000000CR", IncidentKind::code_red, t));
  // Nothing recorded for the code red: going out is overdue after 3 hours, the
  // team lead hears an hour later; the plan warnings at 8 and 11 hours, the
  // team lead at 12.
  const auto taken = test::take_due(s, rules_, t + 13h);
  std::vector<std::string> incident_steps;
  for (const auto& x : taken)
    if (x.incident == "I00000000000000CR")
      incident_steps.push_back(x.clock + "." + x.step + "->" + x.to);
  EXPECT_EQ(incident_steps,
            (std::vector<std::string>{"first_contact.overdue->icm-1",
                                      "first_contact.escalate->tl-g", "plan.warn_8h->icm-1",
                                      "plan.warn_11h->icm-1", "plan.escalate->tl-g"}));
  for (const auto& x : taken) {
    if (x.incident == "I00000000000000CR" && x.step == "escalate") {
      EXPECT_TRUE(x.escalation);
    }
  }
  // Their keys name the incident: the case's own first-contact and plan keys
  // (anchored at its registration) are different, and were met long ago.
  const auto ev = evaluate(s, rules_, t + 13h);
  const auto* fc = clock(ev, ClockKind::first_contact, "I00000000000000CR");
  ASSERT_NE(fc, nullptr);
  EXPECT_EQ(fc->due, t + 3h);
  EXPECT_EQ(fc->state, ClockState::overdue);
  EXPECT_EQ(clock(ev, ClockKind::first_contact, "I000000000000000A")->state, ClockState::met);
  EXPECT_TRUE(s.fired.count("C0000000B|first_contact|escalate|I00000000000000CR"));
  EXPECT_TRUE(s.fired.count("C0000000B|plan|escalate|I00000000000000CR"));
}

TEST_F(ClockRules, TheEventThatAnswersTheIncidentMeetsItsClocksAndNoOther) {
  auto s = running_case(149);
  const auto t = t0_ + 150 * day;
  s.incidents.push_back(incident("I00000000000000CR", IncidentKind::code_red, t));
  // Going out 2 hours later: first_contact on a case long past that phase
  // answers the code red (the open one due first); the phase stays.
  s = applied(s, event(EventType::first_contact, t + 2h), icm1_);
  EXPECT_EQ(s.phase, Phase::help);
  EXPECT_EQ(s.incidents[1].contact_at, t + 2h);
  auto ev = evaluate(s, rules_, t + 2h);
  EXPECT_EQ(clock(ev, ClockKind::first_contact, "I00000000000000CR")->state, ClockState::met);
  EXPECT_EQ(clock(ev, ClockKind::plan, "I00000000000000CR")->state, ClockState::running);
  // The revised plan, naming the incident it answers.
  s = applied(s, event(EventType::plan_of_action, t + 9h, "I00000000000000CR"), icm1_);
  EXPECT_EQ(s.incidents[1].plan_at, t + 9h);
  ev = evaluate(s, rules_, t + 13h);
  EXPECT_EQ(clock(ev, ClockKind::plan, "I00000000000000CR")->state, ClockState::met);
  for (const auto& a : ev.actions) EXPECT_NE(a.step.incident, "I00000000000000CR") << a.step.key;
  // Nothing left to answer: a third answer is refused and names why.
  auto r = refused(s, event(EventType::plan_of_action, t + 10h, "I00000000000000CR"), icm1_);
  EXPECT_EQ(r.code, "already_answered");
  EXPECT_EQ(r.field, "incident");
  r = refused(s, event(EventType::first_contact, t + 10h), icm1_);
  EXPECT_EQ(r.code, "phase_already_reached");
}

TEST_F(ClockRules, ByDefaultAnEventAnswersTheOpenIncidentDueFirst) {
  auto s = running_case(149);
  const auto t = t0_ + 150 * day;
  // A ban violation, then a code red with a stricter first-contact policy.
  const auto cfg =
      test::test_config("[[deadlines.rules]]\nkind = \"code_red\"\nfirst_contact_minutes = 60\n");
  StaffDirectory staff(cfg);
  EngineRules rules{cfg.deadlines, staff, cfg.reply_code_window()};
  s.incidents.push_back(incident("I00000000000000BV", IncidentKind::ban_violation, t));
  s.incidents.push_back(incident("I00000000000000CR", IncidentKind::code_red, t + 30min));
  EventRequest e = event(EventType::first_contact, t + 40min);
  auto r = apply_event(s, e, icm1_, rules, t + 40min);
  ASSERT_TRUE(std::holds_alternative<Change>(r));
  const auto& change = std::get<Change>(r);
  // Due at 90 minutes (the code red) before 180 (the violation).
  ASSERT_EQ(change.incident_fields.size(), 1u);
  EXPECT_EQ(change.incident_fields[0].incident, "I00000000000000CR");
  EXPECT_EQ(change.incident_fields[0].field, "contact_at");
  EXPECT_NE(change.timeline_json.find("\"incident\":\"I00000000000000CR\""), std::string::npos);
  // An event before an incident arrived does not answer it; naming it is refused.
  auto before = apply_event(s, event(EventType::first_contact, t + 10min), icm1_, rules, t + 40min);
  ASSERT_TRUE(std::holds_alternative<Change>(before));
  EXPECT_EQ(std::get<Change>(before).incident_fields.at(0).incident, "I00000000000000BV");
  const auto late = apply_event(s, event(EventType::first_contact, t + 10min, "I00000000000000CR"),
                                icm1_, rules, t + 40min);
  ASSERT_TRUE(std::holds_alternative<common::ApiRefusal>(late));
  EXPECT_EQ(std::get<common::ApiRefusal>(late).code, "before_incident");
  // An incident of another case is refused, naming the field.
  const auto other = apply_event(s, event(EventType::first_contact, t + 40min, "I0000000000000XYZ"),
                                 icm1_, rules, t + 40min);
  ASSERT_TRUE(std::holds_alternative<common::ApiRefusal>(other));
  EXPECT_EQ(std::get<common::ApiRefusal>(other).code, "unknown_incident");
  EXPECT_EQ(std::get<common::ApiRefusal>(other).field, "incident");
}

TEST_F(ClockRules, EachKindStartsTheClocksItsPolicyNames) {
  auto s = running_case(149);
  const auto t = t0_ + 150 * day;
  int n = 0;
  for (auto k : {IncidentKind::home_ban, IncidentKind::code_red, IncidentKind::ban_violation,
                 IncidentKind::repeat_incident, IncidentKind::home_ban_extended,
                 IncidentKind::home_ban_lifted}) {
    auto i = incident("I0000000000000K" + std::to_string(n++) + "X", k, t);
    if (k == IncidentKind::home_ban || k == IncidentKind::home_ban_extended) {
      i.ban_starts_at = t;
      i.ban_ends_at = t + 10 * day;
    }
    s.incidents.push_back(i);
  }
  auto kinds = [&](const CaseState& c, const EngineRules& rules) {
    std::map<std::string, std::string> out;
    for (const auto& ic : incident_clocks(c, rules)) {
      if (ic.opening) continue;
      for (const auto& inc : c.incidents)
        if (inc.id == ic.incident)
          out[std::string(common::to_string(inc.kind))] +=
              ic.clock == ClockKind::first_contact ? "F" : "P";
    }
    return out;
  };
  // Code red and home ban: go out and a plan; a violation and a repeat
  // incident: go out; extension and lifting: their effect on the ban only.
  EXPECT_EQ(kinds(s, rules_), (std::map<std::string, std::string>{{"home_ban", "FP"},
                                                                  {"code_red", "FP"},
                                                                  {"ban_violation", "F"},
                                                                  {"repeat_incident", "F"}}));
  // A region's policy per kind changes that.
  const auto cfg = test::test_config(
      "[[deadlines.rules]]\nkind = \"repeat_incident\"\nincident_clocks = [\"first_contact\", "
      "\"plan\"]\n\n[[deadlines.rules]]\nregion = \"groningen\"\nkind = \"ban_violation\"\n"
      "incident_clocks = []\n");
  StaffDirectory staff(cfg);
  EngineRules rules{cfg.deadlines, staff, cfg.reply_code_window()};
  EXPECT_EQ(kinds(s, rules),
            (std::map<std::string, std::string>{
                {"home_ban", "FP"}, {"code_red", "FP"}, {"repeat_incident", "FP"}}));
}

TEST_F(ClockRules, AnUpgradedCaseKeepsItsKeysAndIncidentsBeforeTheUpgradeStartNoClocks) {
  // A case stored before clocks per incident: its first-contact and plan
  // steps were taken under the registration-time anchor.
  auto s = running_case(149);
  s.fired = {"C0000000B|plan|warn_8h|1795352400000", "C0000000B|plan|warn_11h|1795352400000"};
  const auto t = t0_ + 150 * day;
  s.incidents.push_back(incident("I00000000000000CR", IncidentKind::code_red, t0_ + 100 * day));
  // The new version knows which of those keys it would take: the same ones.
  const auto plan_keys = [&](const Evaluation& ev) {
    std::vector<std::string> keys;
    for (const auto& c : ev.clocks)
      if (c.clock == ClockKind::plan && c.incident == "I000000000000000A") return c.taken;
    return keys;
  };
  EXPECT_EQ(plan_keys(evaluate(s, rules_, t)), (std::vector<std::string>{"warn_8h", "warn_11h"}));
  auto of = [](const Evaluation& ev, const std::string& incident) {
    return std::count_if(ev.actions.begin(), ev.actions.end(),
                         [&](const Action& a) { return a.step.incident == incident; });
  };
  // An old code red (accepted before the upgrade, long handled) would page now…
  EXPECT_EQ(of(evaluate(s, rules_, t), "I00000000000000CR"), 5);
  // …unless the deployment says when clocks per incident began.
  const auto cfg =
      test::test_config("[deadlines]\nincident_clocks_since = \"2027-04-01T00:00:00Z\"\n");
  StaffDirectory staff(cfg);
  EngineRules rules{cfg.deadlines, staff, cfg.reply_code_window()};
  EXPECT_EQ(of(evaluate(s, rules, t), "I00000000000000CR"), 0);
  s.incidents.push_back(incident("I00000000000000C2", IncidentKind::code_red, t));
  EXPECT_EQ(of(evaluate(s, rules, t + 4h), "I00000000000000C2"), 2);
}

// ---- 3. the ban at its maximum --------------------------------------------------

TEST_F(ClockRules, NoExtensionDecisionWhenTheBanHasReachedTwentyEightDaysTheEndNoticeStays) {
  auto s = running_case();
  const auto start = *s.incidents[0].ban_starts_at;
  // Extended on day 8 to 28 days from the first start: it cannot be extended again.
  auto ext = incident("I00000000000000E1", IncidentKind::home_ban_extended, t0_ + 8 * day);
  ext.ban_starts_at = start + 10 * day;  // the extension's own start: the first start counts
  ext.ban_ends_at = start + 28 * day;
  s.incidents.push_back(ext);
  const auto ban = ban_in_force(s);
  ASSERT_TRUE(ban);
  EXPECT_EQ(ban->first_start, start);
  EXPECT_TRUE(ban->at_maximum);
  std::vector<std::string> steps;
  for (const auto& x : test::take_due(s, rules_, start + 30 * day))
    if (x.clock == "home_ban") steps.push_back(x.step + "@" + common::format_rfc3339(x.due));
  EXPECT_EQ(steps, std::vector<std::string>{"end@" + common::format_rfc3339(start + 28 * day)});
  // One day short of the maximum: the decision is still asked for.
  s.incidents.back().ban_ends_at = start + 27 * day;
  s.fired.clear();
  steps.clear();
  for (const auto& x : test::take_due(s, rules_, start + 30 * day))
    if (x.clock == "home_ban") steps.push_back(x.step);
  EXPECT_EQ(steps, (std::vector<std::string>{"decision", "end"}));
}

TEST_F(ClockRules, TheMaximumCountsFromTheFirstStartOfThisBanAcrossDst) {
  // Started 14 Oct 2027 10:00 (CEST), 28 calendar days end 11 Nov 10:00 (CET):
  // 673 hours, still the maximum.
  CaseState s = running_case();
  const auto start = at("2027-10-14T08:00:00Z");
  s.incidents[0].ban_starts_at = start;
  s.incidents[0].ban_ends_at = start + 10 * day;
  auto ext = incident("I00000000000000E1", IncidentKind::home_ban_extended, start + 5 * day);
  ext.ban_starts_at = start;
  ext.ban_ends_at = add_calendar_days(start, 28);
  s.incidents.push_back(ext);
  EXPECT_EQ(ext.ban_ends_at, start + 673h);
  EXPECT_TRUE(ban_in_force(s)->at_maximum);
  // A new ban after a lifting starts afresh: its own first start.
  auto lift = incident("I00000000000000L1", IncidentKind::home_ban_lifted, start + 20 * day);
  auto again = incident("I00000000000000H2", IncidentKind::home_ban, start + 40 * day);
  again.ban_starts_at = start + 40 * day;
  again.ban_ends_at = start + 50 * day;
  s.incidents.push_back(lift);
  s.incidents.push_back(again);
  const auto ban = ban_in_force(s);
  EXPECT_EQ(ban->first_start, start + 40 * day);
  EXPECT_FALSE(ban->at_maximum);
}

// ---- 4. stall ---------------------------------------------------------------------

TEST_F(ClockRules, AnUntouchedIntensiveCaseReachesTheTeamLeadWithinSevenDays) {
  auto s = running_case();
  s.incidents[0].ban_ends_at.reset();
  const auto last = s.last_activity_at;
  const auto taken = test::live(s, rules_, last, last + 7 * day, {}, Reminders::answered);
  EXPECT_EQ(names(taken, "checkin"),
            (std::vector<std::string>{"checkin.remind->icm-1", "checkin.escalate->tl-g"}));
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[1].at, last + 7 * day) << "by day 7, not day 9 (the eight days)";
}

TEST_F(ClockRules, AReminderNobodyAcknowledgesGoesToTheTeamLeadAfterItsTime) {
  auto s = running_case();
  s.incidents[0].ban_ends_at.reset();
  const auto last = s.last_activity_at;
  const auto taken = test::live(s, rules_, last, last + 7 * day, {}, Reminders::unanswered);
  EXPECT_EQ(names(taken),
            (std::vector<std::string>{"checkin.remind->icm-1", "checkin.remind_unanswered->tl-g",
                                      "checkin.escalate->tl-g"}));
  EXPECT_EQ(taken[1].at, last + 6 * day) << "24 hours after the reminder";
  EXPECT_TRUE(taken[1].escalation);
  // The watch list forgets what leads nowhere any more: the reminder whose
  // follow-up was taken.
  ASSERT_EQ(s.reminders.size(), 1u);
  const auto key = s.reminders.begin()->first;
  EXPECT_EQ(evaluate(s, rules_, last + 7 * day).stale_reminders, std::vector<std::string>{key});
  // Acknowledged after 20 hours: nothing for the team lead until the stall itself.
  auto t = running_case();
  t.incidents[0].ban_ends_at.reset();
  test::take_due(t, rules_, last + 5 * day, Reminders::unanswered);
  ASSERT_EQ(t.reminders.size(), 1u);
  EXPECT_TRUE(evaluate(t, rules_, last + 5 * day).stale_reminders.empty()) << "still watched";
  t.reminders.begin()->second.acknowledged = true;
  EXPECT_EQ(evaluate(t, rules_, last + 5 * day).stale_reminders.size(), 1u) << "answered";
  EXPECT_EQ(names(test::take_due(t, rules_, last + 6 * day + 1h)), std::vector<std::string>{});
}

TEST_F(ClockRules, UnansweredReminderFollowUpsAreConfigurableAndSkipWhatTheTeamLeadHearsAnyway) {
  // The ban decision reminder has no team-lead step of its own: unanswered, it
  // reaches the team lead after 24 hours. The plan warnings do not: the plan
  // escalates to the team lead at 12 hours anyway.
  auto s = running_case();
  s.last_activity_at = t0_ + 9 * day;  // no stall in the way
  const auto taken = test::take_due(s, rules_, t0_ + 9 * day + 1h, Reminders::unanswered);
  EXPECT_EQ(
      names(taken, "home_ban"),
      (std::vector<std::string>{"home_ban.decision->icm-1", "home_ban.decision_unanswered->tl-g"}));
  // Sent to the team lead (the casemanager absent): not watched, no follow-up.
  auto absent = running_case();
  absent.last_activity_at = t0_ + 9 * day;
  absent.absence = Absence{"icm-1", t0_ + 2 * day, std::nullopt};
  EXPECT_EQ(
      names(test::take_due(absent, rules_, t0_ + 9 * day + 1h, Reminders::unanswered), "home_ban"),
      (std::vector<std::string>{"home_ban.decision->tl-g"}));
  // reminder_ack_hours = 0: off.
  const auto cfg = test::test_config("[deadlines]\nreminder_ack_hours = 0\n");
  StaffDirectory staff(cfg);
  EngineRules rules{cfg.deadlines, staff, cfg.reply_code_window()};
  auto off = running_case();
  off.last_activity_at = t0_ + 9 * day;
  EXPECT_EQ(
      names(test::take_due(off, rules, t0_ + 9 * day + 1h, Reminders::unanswered), "home_ban"),
      (std::vector<std::string>{"home_ban.decision->icm-1"}));
  // A new case: the 8- and 11-hour plan warnings never earn a follow-up.
  CaseState fresh = running_case();
  fresh.phase = Phase::intake;
  fresh.plan_at.reset();
  fresh.help_at.reset();
  fresh.phase_at = t0_ + 3h;
  fresh.last_activity_at = t0_ + 3h;
  fresh.incidents[0].ban_ends_at.reset();
  EXPECT_EQ(names(test::take_due(fresh, rules_, t0_ + 2 * day, Reminders::unanswered), "plan"),
            (std::vector<std::string>{"plan.warn_8h->icm-1", "plan.warn_11h->icm-1",
                                      "plan.escalate->tl-g"}));
}

// ---- 8. the evaluation window ----------------------------------------------------

TEST_F(ClockRules, AnEvaluationOnDayThreeStaysOnTheTimelineButDoesNotMeetTheSixMonthClock) {
  auto s = running_case();
  s = applied(s, event(EventType::evaluation, t0_ + 3 * day), icm1_);
  auto ev = evaluate(s, rules_, t0_ + 3 * day);
  const auto* c = clock(ev, ClockKind::evaluation, "");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->state, ClockState::running);
  // The reminder and the escalation still come.
  s.last_activity_at = t0_ + 300 * day;  // (no stall in the way)
  std::vector<std::string> steps;
  for (const auto& x : test::take_due(s, rules_, t0_ + 250 * day))
    if (x.clock == "evaluation") steps.push_back(x.step);
  EXPECT_EQ(steps, (std::vector<std::string>{"remind", "escalate"}));
  // An evaluation from five months on counts (day 160), and stays counted when
  // an earlier one is recorded afterwards.
  auto t = applied(running_case(), event(EventType::evaluation, t0_ + 160 * day), icm1_);
  EXPECT_EQ(clock(evaluate(t, rules_, t0_ + 160 * day), ClockKind::evaluation, "")->state,
            ClockState::met);
  t = applied(t, event(EventType::evaluation, t0_ + 3 * day), icm1_);
  EXPECT_EQ(t.evaluation_at, t0_ + 160 * day);
  EXPECT_EQ(clock(evaluate(t, rules_, t0_ + 170 * day), ClockKind::evaluation, "")->state,
            ClockState::met);
}

TEST_F(ClockRules, ClosingNeedsAnEvaluationThatCounts) {
  auto s = applied(running_case(), event(EventType::evaluation, t0_ + 3 * day), icm1_);
  s.phase = Phase::monitoring;
  s.handover_at = s.monitoring_at = s.phase_at = t0_ + 100 * day;
  const Instant year = add_calendar_days(t0_, 365);
  auto r = refused(s, event(EventType::closing, year), icm1_);
  EXPECT_EQ(r.code, "evaluation_missing");
  s = applied(s, event(EventType::evaluation, t0_ + 200 * day), icm1_);
  EXPECT_EQ(applied(s, event(EventType::closing, year), icm1_).phase, Phase::closed);
}

}  // namespace
}  // namespace piket::cases
