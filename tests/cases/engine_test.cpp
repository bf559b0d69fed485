// The pure deadline engine: every clock of a case over a year, the 12-hour
// plan breach, home-ban extension and lifting, stall detection, absence and
// reassignment — driven in simulated time with no I/O.
#include "piket/cases/engine.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine_support.hpp"
#include "piket/cases/calendar.hpp"
#include "piket/config/config.hpp"
#include "test_config.hpp"

namespace piket::cases {
namespace {

using namespace std::chrono_literals;
using common::Instant;
using test::at;
using test::Taken;

constexpr auto day = std::chrono::hours{24};

class EngineTest : public ::testing::Test {
 protected:
  config::Config config_ = test::test_config();
  StaffDirectory staff_{config_};
  EngineRules rules_{config_.deadlines, staff_, config_.reply_code_window()};
  const Instant t0_ = at("2026-11-22T13:00:00Z");  // 14:00 in Amsterdam (CET)
  const Actor icm1_{"icm-1", rota::StaffRole::casemanager, {"groningen"}};
  const Actor lead_{"tl-g", rota::StaffRole::team_lead, {"groningen"}};

  // A case opened by a home ban (10 days) at t0, paged to icm-1 and acknowledged.
  CaseState home_ban_case() const {
    CaseState s;
    s.id = "C0000000A";
    s.region = "groningen";
    s.opened_at = s.phase_at = s.last_activity_at = t0_;
    s.casemanager = "icm-1";
    IncidentFacts i;
    i.id = "I000000000000000A";
    i.kind = common::IncidentKind::home_ban;
    i.accepted_at = t0_;
    i.status = "acknowledged";
    i.ban_ends_at = t0_ + 10 * day;
    s.incidents.push_back(i);
    return s;
  }

  static std::vector<std::string> names(const std::vector<Taken>& taken) {
    std::vector<std::string> out;
    for (const auto& t : taken) out.push_back(t.clock + "." + t.step + "->" + t.to);
    return out;
  }

  static const ClockView* clock(const Evaluation& ev, ClockKind k) {
    for (const auto& c : ev.clocks)
      if (c.clock == k) return &c;
    return nullptr;
  }
};

TEST_F(EngineTest, ANewCaseHasEveryClockRunningAndTimersForTheirNextSteps) {
  auto s = home_ban_case();
  s.incidents[0].status = "dispatched";
  const auto ev = evaluate(s, rules_, t0_);
  EXPECT_TRUE(ev.actions.empty());
  std::vector<std::string> kinds;
  for (const auto& c : ev.clocks) kinds.emplace_back(to_string(c.clock));
  EXPECT_EQ(kinds, (std::vector<std::string>{"first_contact", "plan", "home_ban", "handover",
                                             "checkin", "evaluation", "closing"}));
  for (const auto& c : ev.clocks) EXPECT_EQ(c.state, ClockState::running) << to_string(c.clock);
  EXPECT_EQ(ev.timers.size(), 7u);
  ASSERT_TRUE(ev.next_wakeup);
  EXPECT_EQ(*ev.next_wakeup, t0_ + 3h);  // first contact overdue
  EXPECT_EQ(clock(ev, ClockKind::plan)->due, t0_ + 12h);
  EXPECT_EQ(clock(ev, ClockKind::plan)->next->name, "warn_8h");
  EXPECT_EQ(clock(ev, ClockKind::plan)->next->due, t0_ + 8h);
  EXPECT_EQ(clock(ev, ClockKind::home_ban)->next->due, t0_ + 8 * day);  // 48 h before the end
  for (const auto& t : ev.timers) EXPECT_EQ(std::string(case_of_timer(t.key)), s.id) << t.key;
}

TEST_F(EngineTest, TwelveHourBreachEscalatesToTheTeamLeadExactlyOnce) {
  auto s = home_ban_case();
  s.phase = Phase::intake;
  s.first_contact_at = t0_ + 1h;
  s.intake_at = s.phase_at = t0_ + 3h;
  s.last_activity_at = t0_ + 3h;
  const auto taken = test::live(s, rules_, t0_, t0_ + 3 * day);
  EXPECT_EQ(names(taken), (std::vector<std::string>{"plan.warn_8h->icm-1", "plan.warn_11h->icm-1",
                                                    "plan.escalate->tl-g"}));
  EXPECT_EQ(taken[0].at, t0_ + 8h);
  EXPECT_EQ(taken[1].at, t0_ + 11h);
  EXPECT_EQ(taken[2].at, t0_ + 12h);
  EXPECT_TRUE(taken[2].escalation);
  EXPECT_EQ(taken[2].incident, "I000000000000000A");  // the incident becomes "escalated"
  // Later evaluations never take it again; the plan clock shows overdue.
  for (auto t : {t0_ + 12h, t0_ + 13h, t0_ + 2 * day}) {
    const auto ev = evaluate(s, rules_, t);
    for (const auto& a : ev.actions) EXPECT_NE(a.step.clock, ClockKind::plan) << a.step.key;
    EXPECT_EQ(clock(ev, ClockKind::plan)->state, ClockState::overdue);
    EXPECT_FALSE(clock(ev, ClockKind::plan)->next);
    const auto overdue = ev.overdue();
    EXPECT_NE(std::find(overdue.begin(), overdue.end(), ClockKind::plan), overdue.end());
  }
  // Recording the plan late makes the clock met.
  auto r = apply_event(s, {EventType::plan_of_action, t0_ + 14h, {}, {}}, icm1_, rules_, t0_ + 14h);
  ASSERT_TRUE(std::holds_alternative<Change>(r));
  EXPECT_EQ(clock(evaluate(std::get<Change>(r).after, rules_, t0_ + 14h), ClockKind::plan)->state,
            ClockState::met);
}

TEST_F(EngineTest, AJumpTakesEveryStepThatFellDueInOrderWithItsLateness) {
  auto s = home_ban_case();
  s.incidents[0].status = "dispatched";
  const auto now = t0_ + 13h;  // one jump of 13 hours
  const auto taken = test::take_due(s, rules_, now);
  EXPECT_EQ(names(taken),
            (std::vector<std::string>{"first_contact.overdue->icm-1",
                                      "first_contact.escalate->tl-g", "plan.warn_8h->icm-1",
                                      "plan.warn_11h->icm-1", "plan.escalate->tl-g"}));
  for (std::size_t i = 1; i < taken.size(); ++i) EXPECT_LE(taken[i - 1].due, taken[i].due);
  const auto ev = evaluate(home_ban_case(), rules_, now);  // fresh: acknowledged, nothing taken
  for (const auto& a : ev.actions) EXPECT_EQ(a.late, now - a.step.due);
}

TEST_F(EngineTest, OneCaseLivesAFullYearWithEveryClock) {
  auto s = home_ban_case();
  std::multimap<Instant, test::Happening> h;
  auto rec = [&](Instant t, EventType type) { h.emplace(t, test::record(type, icm1_, rules_)); };
  rec(t0_ + 2h, EventType::first_contact);
  rec(t0_ + 6h, EventType::intake);
  rec(t0_ + 11h + 30min, EventType::plan_of_action);
  rec(t0_ + 1 * day, EventType::help_started);
  // Check-ins every four days, with one gap (day 20 → 26) that earns a reminder
  // (five days) but ends before the escalation (two days' grace).
  for (int d :
       {4, 8, 12, 16, 20, 26, 30, 34, 38, 42, 46, 50, 54, 58, 62, 66, 70, 74, 78, 82, 86, 90, 94})
    rec(t0_ + d * day, EventType::monitoring_contact);
  rec(t0_ + 95 * day, EventType::handover);
  for (int d : {123, 151, 179, 207, 235, 263, 291, 319, 347})
    rec(t0_ + d * day, EventType::monitoring_contact);
  rec(t0_ + 180 * day, EventType::evaluation);
  const Instant year = at("2027-11-22T13:00:00Z");  // 365 calendar days
  rec(year + 1 * day, EventType::closing);

  const auto taken = test::live(s, rules_, t0_, year + 60 * day, h);
  EXPECT_EQ(names(taken),
            (std::vector<std::string>{"plan.warn_8h->icm-1", "plan.warn_11h->icm-1",
                                      "home_ban.decision->icm-1", "home_ban.end->icm-1",
                                      "checkin.remind->icm-1", "handover.warn->icm-1",
                                      "evaluation.remind->icm-1", "closing.remind->icm-1"}));
  EXPECT_EQ(taken[4].at, t0_ + 25 * day);              // five days after the check-in of day 20
  EXPECT_EQ(taken[5].at, at("2027-02-21T13:00:00Z"));  // 91 days
  // 182 - 14 days: 9 May 2027, 14:00 in Amsterdam — CEST by then, so 12:00 UTC.
  EXPECT_EQ(taken[6].at, at("2027-05-09T12:00:00Z"));
  EXPECT_EQ(taken[7].at, year);

  EXPECT_EQ(s.phase, Phase::closed);
  const auto ev = evaluate(s, rules_, year + 60 * day);
  EXPECT_TRUE(ev.actions.empty());
  EXPECT_TRUE(ev.timers.empty());
  EXPECT_FALSE(ev.next_wakeup);
  std::map<std::string, std::string> states;
  for (const auto& c : ev.clocks) states[std::string(to_string(c.clock))] = to_string(c.state);
  EXPECT_EQ(states, (std::map<std::string, std::string>{{"first_contact", "met"},
                                                        {"plan", "met"},
                                                        {"home_ban", "cancelled"},
                                                        {"handover", "met"},
                                                        {"checkin", "ended"},
                                                        {"evaluation", "met"},
                                                        {"closing", "met"}}));
}

TEST_F(EngineTest, AnExtensionMovesTheBanReminders) {
  auto s = home_ban_case();
  s.phase = Phase::help;
  s.plan_at = s.help_at = s.phase_at = t0_ + 10h;
  auto extend = [&](Instant when, Instant ends) {
    return [=](CaseState& c, Instant) {
      IncidentFacts e;
      e.id = "I00000000000000E" + std::to_string(c.incidents.size());
      e.kind = common::IncidentKind::home_ban_extended;
      e.accepted_at = when;
      e.status = "acknowledged";
      e.ban_ends_at = ends;
      c.incidents.push_back(e);
    };
  };
  // Extended on day 7 (before the decision reminder) to day 24.
  {
    auto c = s;
    std::multimap<Instant, test::Happening> h{
        {t0_ + 7 * day, extend(t0_ + 7 * day, t0_ + 24 * day)}};
    std::vector<std::string> ban;
    for (const auto& t : test::live(c, rules_, t0_ + 10h, t0_ + 30 * day, h))
      if (t.clock == "home_ban") ban.push_back(t.step + "@" + common::format_rfc3339(t.at));
    EXPECT_EQ(ban, (std::vector<std::string>{"decision@" + common::format_rfc3339(t0_ + 22 * day),
                                             "end@" + common::format_rfc3339(t0_ + 24 * day)}));
  }
  // Extended on day 9, after the first decision reminder: the reminder comes again for the new end.
  {
    auto c = s;
    std::multimap<Instant, test::Happening> h{
        {t0_ + 9 * day, extend(t0_ + 9 * day, t0_ + 24 * day)}};
    std::vector<std::string> ban;
    for (const auto& t : test::live(c, rules_, t0_ + 10h, t0_ + 30 * day, h))
      if (t.clock == "home_ban") ban.push_back(t.step + "@" + common::format_rfc3339(t.at));
    EXPECT_EQ(ban, (std::vector<std::string>{"decision@" + common::format_rfc3339(t0_ + 8 * day),
                                             "decision@" + common::format_rfc3339(t0_ + 22 * day),
                                             "end@" + common::format_rfc3339(t0_ + 24 * day)}));
  }
}

// A ban that had already ended when it was reported cannot be extended: no
// decision is asked (the end notice, information, stays). One reported a day
// before its end still gets the decision, at once.
TEST_F(EngineTest, NoDecisionIsAskedAboutABanThatEndedBeforeItWasReported) {
  auto ban_steps = [&](Instant reported) {
    auto s = home_ban_case();
    s.opened_at = s.phase_at = s.last_activity_at = reported;
    s.incidents[0].accepted_at = reported;
    std::vector<std::string> out;
    for (const auto& a : evaluate(s, rules_, reported + 10min).actions)
      if (a.step.clock == ClockKind::home_ban) out.push_back(a.step.name);
    return out;
  };
  EXPECT_EQ(ban_steps(t0_ + 12 * day), (std::vector<std::string>{"end"}));
  EXPECT_EQ(ban_steps(t0_ + 9 * day), (std::vector<std::string>{"decision"}));
}

TEST_F(EngineTest, ALiftedBanCancelsItsReminders) {
  auto s = home_ban_case();
  s.phase = Phase::help;
  s.plan_at = s.help_at = s.phase_at = t0_ + 10h;
  std::multimap<Instant, test::Happening> h{{t0_ + 5 * day, [&](CaseState& c, Instant t) {
                                               IncidentFacts l;
                                               l.id = "I00000000000000L1";
                                               l.kind = common::IncidentKind::home_ban_lifted;
                                               l.accepted_at = t;
                                               l.status = "acknowledged";
                                               c.incidents.push_back(l);
                                             }}};
  for (const auto& t : test::live(s, rules_, t0_ + 10h, t0_ + 30 * day, h))
    EXPECT_NE(t.clock, "home_ban") << t.step;
  const auto ev = evaluate(s, rules_, t0_ + 30 * day);
  EXPECT_EQ(clock(ev, ClockKind::home_ban)->state, ClockState::cancelled);
  for (const auto& t : ev.timers) EXPECT_NE(t.clock, ClockKind::home_ban);
}

TEST_F(EngineTest, AnAbsentCasemanagersCaseGoesToTheTeamLeadAtOnceAndReassignmentMovesTheClocks) {
  auto s = home_ban_case();
  s.phase = Phase::help;
  s.plan_at = s.help_at = s.phase_at = s.last_activity_at = t0_ + 10h;
  const auto sick = t0_ + 2 * day;
  s.absence = Absence{"icm-1", sick, std::nullopt};
  auto taken = test::take_due(s, rules_, sick);
  ASSERT_EQ(names(taken), (std::vector<std::string>{"reassignment.reassign->tl-g"}));
  EXPECT_TRUE(taken[0].escalation);
  // While icm-1 is absent, their reminders reach the team lead.
  const auto ev = evaluate(s, rules_, sick);
  EXPECT_EQ(recipient_of(s, rules_, Role::casemanager, sick), "tl-g");
  EXPECT_EQ(clock(ev, ClockKind::home_ban)->next->role, Role::casemanager);
  std::vector<std::string> week = names(test::take_due(s, rules_, t0_ + 8 * day));
  EXPECT_EQ(week, (std::vector<std::string>{"checkin.remind->tl-g", "checkin.escalate->tl-g",
                                            "home_ban.decision->tl-g"}));
  // The team lead reassigns to icm-2: every running clock now pages icm-2.
  auto r = apply_event(s, {EventType::reassigned, t0_ + 8 * day, {}, "icm-2"}, lead_, rules_,
                       t0_ + 8 * day);
  ASSERT_TRUE(std::holds_alternative<Change>(r));
  s = std::get<Change>(r).after;
  EXPECT_EQ(s.casemanager, "icm-2");
  const auto after = evaluate(s, rules_, t0_ + 8 * day);
  EXPECT_EQ(clock(after, ClockKind::reassignment), nullptr);
  EXPECT_EQ(recipient_of(s, rules_, Role::casemanager, t0_ + 8 * day), "icm-2");
  const auto end = test::take_due(s, rules_, t0_ + 10 * day);
  ASSERT_FALSE(end.empty());
  EXPECT_EQ(end.back().clock + "." + end.back().step + "->" + end.back().to, "home_ban.end->icm-2");
}

TEST_F(EngineTest, AnAbsenceThatIsOverOrOfSomeoneElseChangesNothing) {
  auto s = home_ban_case();
  s.absence = Absence{"icm-1", t0_ + 2 * day, t0_ + 2 * day};
  EXPECT_EQ(clock(evaluate(s, rules_, t0_ + 3 * day), ClockKind::reassignment), nullptr);
  // Over by now: the casemanager is back, nothing to reassign.
  s.absence = Absence{"icm-1", t0_ + 1 * day, t0_ + 2 * day};
  EXPECT_EQ(clock(evaluate(s, rules_, t0_ + 3 * day), ClockKind::reassignment), nullptr);
  // A case that opens during the absence: to be reassigned when it opens.
  s.absence = Absence{"icm-1", t0_ - 2 * day, t0_ + 2 * day};
  const auto opening = evaluate(s, rules_, t0_);
  ASSERT_FALSE(opening.actions.empty());
  EXPECT_EQ(opening.actions.front().step.clock, ClockKind::reassignment);
  EXPECT_EQ(opening.actions.front().step.due, t0_);
  // Planned: the step waits for the start of the absence.
  s.absence = Absence{"icm-1", t0_ + 5 * day, t0_ + 6 * day};
  const auto ev = evaluate(s, rules_, t0_ + 3 * day);
  ASSERT_NE(clock(ev, ClockKind::reassignment), nullptr);
  EXPECT_EQ(clock(ev, ClockKind::reassignment)->next->due, t0_ + 5 * day);
  s.absence = Absence{"icm-2", t0_ + 2 * day, std::nullopt};
  EXPECT_EQ(clock(evaluate(s, rules_, t0_ + 3 * day), ClockKind::reassignment), nullptr);
}

TEST_F(EngineTest, NoActivityWithinTheCadenceRemindsThenEscalatesAndActivityResetsIt) {
  auto s = home_ban_case();
  s.phase = Phase::help;
  s.plan_at = s.help_at = s.phase_at = s.last_activity_at = t0_ + 10h;
  s.incidents[0].ban_ends_at.reset();
  std::vector<std::string> stall;
  for (const auto& t : test::live(s, rules_, t0_ + 10h, t0_ + 24 * day))
    if (t.clock == "checkin")
      stall.push_back(t.step + "->" + t.to + "@" + common::format_rfc3339(t.at));
  const auto base = t0_ + 10h;
  // Reminder after five days, the team lead after seven (docs/deadlines.md:
  // within the week, not the eight days of the Groningen evaluation), then
  // every five days while nothing is recorded.
  EXPECT_EQ(stall, (std::vector<std::string>{
                       "remind->icm-1@" + common::format_rfc3339(base + 5 * day),
                       "escalate->tl-g@" + common::format_rfc3339(base + 7 * day),
                       "escalate_2->tl-g@" + common::format_rfc3339(base + 12 * day),
                       "escalate_3->tl-g@" + common::format_rfc3339(base + 17 * day),
                       "escalate_4->tl-g@" + common::format_rfc3339(base + 22 * day)}));
  // A check-in starts a new cadence: the next reminder is five days later.
  auto r = apply_event(s, {EventType::monitoring_contact, t0_ + 24 * day, {}, {}}, icm1_, rules_,
                       t0_ + 24 * day);
  ASSERT_TRUE(std::holds_alternative<Change>(r));
  const auto ev = evaluate(std::get<Change>(r).after, rules_, t0_ + 24 * day);
  EXPECT_TRUE(ev.actions.empty());
  EXPECT_EQ(clock(ev, ClockKind::checkin)->next->name, "remind");
  EXPECT_EQ(clock(ev, ClockKind::checkin)->next->due, t0_ + 29 * day);
}

TEST_F(EngineTest, AfterHandoverTheCadenceIsMonthly) {
  auto s = home_ban_case();
  s.phase = Phase::handover;
  s.handover_at = s.phase_at = s.last_activity_at = t0_ + 100 * day;
  const auto ev = evaluate(s, rules_, t0_ + 100 * day);
  EXPECT_EQ(clock(ev, ClockKind::checkin)->next->due, add_calendar_days(t0_ + 100 * day, 30));
}

// An unacknowledged page is paging's (its escalation policy pages the team
// lead: tests/paging/escalator_redis_test.cpp, tests/e2e/escalation_e2e_test.cpp);
// the engine has no clock for it. The acknowledgement clock's key taken
// before the upgrade, still in case:{id}:fired, changes nothing.
TEST_F(EngineTest, AnUnacknowledgedPageIsLeftToPagingAndAnOldAcknowledgementKeyIsHarmless) {
  auto s = home_ban_case();
  s.incidents[0].status = "dispatched";
  EXPECT_TRUE(test::take_due(s, rules_, t0_ + 15min).empty());
  EXPECT_TRUE(test::take_due(s, rules_, t0_ + 2h).empty());
  auto upgraded = home_ban_case();
  upgraded.incidents[0].status = "escalated";
  upgraded.fired.insert(upgraded.id + "|acknowledgement|escalate|I000000000000000A");
  for (auto t : {t0_ + 15min, t0_ + 9h}) {
    const auto before = evaluate(home_ban_case(), rules_, t);
    const auto after = evaluate(upgraded, rules_, t);
    ASSERT_EQ(after.actions.size(), before.actions.size());
    for (std::size_t i = 0; i < after.actions.size(); ++i)
      EXPECT_EQ(after.actions[i].step.key, before.actions[i].step.key);
    ASSERT_EQ(after.timers.size(), before.timers.size());
    for (std::size_t i = 0; i < after.timers.size(); ++i)
      EXPECT_EQ(after.timers[i].key, before.timers[i].key);
    EXPECT_EQ(after.next_wakeup, before.next_wakeup);
  }
}

TEST_F(EngineTest, ACaseWithoutACasemanagerPagesTheTeamLead) {
  auto s = home_ban_case();
  s.casemanager.clear();
  const auto taken = test::take_due(s, rules_, t0_ + 8h);
  ASSERT_FALSE(taken.empty());
  for (const auto& t : taken) EXPECT_EQ(t.to, "tl-g") << t.clock << "." << t.step;
}

TEST_F(EngineTest, PolicyRulesPerRegionAndKindChangeTheClocks) {
  const auto cfg = test::test_config(
      "[deadlines]\nplan_hours = 10\nplan_warn_hours = [6]\n\n"
      "[[deadlines.rules]]\nkind = \"code_red\"\nplan_hours = 6\nplan_warn_hours = [4]\n"
      "first_contact_minutes = 60\n");
  StaffDirectory staff(cfg);
  EngineRules rules{cfg.deadlines, staff, cfg.reply_code_window()};
  auto s = home_ban_case();
  auto ev = evaluate(s, rules, t0_);
  EXPECT_EQ(clock(ev, ClockKind::plan)->due, t0_ + 10h);
  EXPECT_EQ(clock(ev, ClockKind::plan)->next->name, "warn_6h");
  s.incidents[0].kind = common::IncidentKind::code_red;
  ev = evaluate(s, rules, t0_);
  EXPECT_EQ(clock(ev, ClockKind::plan)->due, t0_ + 6h);
  EXPECT_EQ(clock(ev, ClockKind::first_contact)->due, t0_ + 1h);
}

TEST_F(EngineTest, ActionKeysAreStableAcrossEvaluations) {
  const auto s = home_ban_case();
  const auto a = evaluate(s, rules_, t0_ + 9h);
  const auto b = evaluate(s, rules_, t0_ + 9h + 17min);
  ASSERT_FALSE(a.actions.empty());
  EXPECT_EQ(a.actions.front().step.key, b.actions.front().step.key);
  EXPECT_EQ(a.actions.front().step.key, "C0000000A|first_contact|overdue|1795352400000");
}

}  // namespace
}  // namespace piket::cases
