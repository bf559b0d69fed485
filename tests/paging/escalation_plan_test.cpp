// decide(), next_position() and friends: the escalation policy as a pure
// function of the state and what happened.
#include "piket/paging/escalation_plan.hpp"

#include <gtest/gtest.h>

namespace piket::paging {
namespace {

using namespace std::chrono_literals;
using K = EscalationDecision::Kind;

const common::Instant kT0 = common::from_epoch_ms(1795420800000);

EscalationPolicy three_steps(int repeat = 1) {
  EscalationPolicy p;
  p.steps = {{EscalationTarget::primary, 5min},
             {EscalationTarget::backup, 6min},
             {EscalationTarget::team_lead, 10min}};
  p.repeat = repeat;
  p.forgotten = 60min;
  p.forgotten_repages = 2;
  return p;
}

EscalationState paging(EscalationPosition at, common::Instant due) {
  EscalationState s;
  s.active = true;
  s.at = at;
  s.due = due;
  return s;
}

// Every step has somebody: the on-call person of its target.
std::optional<Candidate> anyone_for(EscalationTarget target, int round) {
  return Candidate{std::string(to_string(target)) + "@" + std::to_string(round),
                   rota::SelectionRule::on_call};
}
const Candidates anyone = anyone_for;

TEST(EscalationPlanTest, PositionsRoundTripAndRejectGarbage) {
  EXPECT_EQ(to_string(EscalationPosition{1, 2}), "1.2");
  EXPECT_EQ(parse_position("1.2"), (EscalationPosition{1, 2}));
  EXPECT_EQ(parse_position("0.0"), (EscalationPosition{0, 0}));
  for (const char* bad : {"", ".", "1.", ".2", "1-2", "a.b", "1.2.3", "-1.0", "1.2x", "123456.1"})
    EXPECT_FALSE(parse_position(bad).has_value()) << bad;
}

TEST(EscalationPlanTest, StepsRunInOrderThenRepeatThenEnd) {
  const auto p = three_steps(1);
  std::vector<std::string> seen;
  std::optional<EscalationPosition> at = EscalationPosition{0, 0};
  while (at) {
    seen.push_back(to_string(*at));
    at = next_position(p, *at);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"0.0", "0.1", "0.2", "1.0", "1.1", "1.2"}));
  EXPECT_FALSE(next_position(three_steps(0), {0, 2}).has_value());
}

TEST(EscalationPlanTest, TheFirstPageStartsAtTheStepOfItsRule) {
  const auto p = three_steps();
  EXPECT_EQ(initial_position(p, rota::SelectionRule::on_call), (EscalationPosition{0, 0}));
  EXPECT_EQ(initial_position(p, rota::SelectionRule::own_casemanager), (EscalationPosition{0, 0}));
  EXPECT_EQ(initial_position(p, rota::SelectionRule::backup), (EscalationPosition{0, 1}));
  EXPECT_EQ(initial_position(p, rota::SelectionRule::team_lead), (EscalationPosition{0, 2}));
  EscalationPolicy lead_only;
  lead_only.steps = {{EscalationTarget::team_lead, 3min}};
  EXPECT_EQ(initial_position(lead_only, rota::SelectionRule::on_call), (EscalationPosition{0, 0}));
  EXPECT_EQ(wait_at(p, {1, 1}), 6min);
}

TEST(EscalationPlanTest, UnansweredPageWaitsForItsDeadlineThenMovesOn) {
  const auto p = three_steps();
  const auto s = paging({0, 0}, kT0 + 5min);
  const auto early = decide(s, p, anyone, EscalationTrigger::timer, kT0 + 5min - 1ms);
  EXPECT_EQ(early.kind, K::wait);
  EXPECT_EQ(early.until, kT0 + 5min);
  const auto due = decide(s, p, anyone, EscalationTrigger::timer, kT0 + 5min);
  EXPECT_EQ(due.kind, K::page_next);
  EXPECT_EQ(due.next, (EscalationPosition{0, 1}));
}

TEST(EscalationPlanTest, AJumpTakesEveryStepAtItsDueTimeInOrder) {
  // Nobody answers, and the clock jumps an hour at once: driven the way the
  // escalator drives it (decide, page, set the timer from the decision), the
  // whole policy is walked — each step due a wait after the previous step
  // was DUE, not after it was taken.
  const auto p = three_steps(1);
  auto s = paging({0, 0}, kT0 + 5min);  // the primary paged at kT0
  const auto now = kT0 + 1h;
  std::vector<std::string> walked;
  for (int guard = 0; guard < 20; ++guard) {
    const auto d = decide(s, p, anyone, EscalationTrigger::timer, now);
    if (d.kind == K::exhausted) {
      walked.push_back("exhausted@" + std::to_string((s.due - kT0) / 1min));
      break;
    }
    ASSERT_EQ(d.kind, K::page_next);
    EXPECT_EQ(d.step_due, s.due) << "the step was due when the timer was due, however late";
    walked.push_back(to_string(d.next) + "@" + std::to_string((d.step_due - kT0) / 1min));
    s.at = d.next;
    s.due = next_due(p, d.next, d.step_due);
  }
  EXPECT_EQ(walked, (std::vector<std::string>{"0.1@5", "0.2@11", "1.0@21", "1.1@26", "1.2@32",
                                              "exhausted@42"}));
  // Within the hour the next timer is due at once; after the jump it is not.
  EXPECT_LT(next_due(p, {0, 1}, kT0 + 5min), now);
  EXPECT_EQ(next_due(p, {0, 1}, kT0 + 5min), kT0 + 11min);
}

TEST(EscalationPlanTest, DeclineAndUndeliverableMoveOnAtOnce) {
  const auto p = three_steps();
  const auto s = paging({0, 1}, kT0 + 5min);
  for (auto t : {EscalationTrigger::declined, EscalationTrigger::undeliverable}) {
    const auto d = decide(s, p, anyone, t, kT0);
    EXPECT_EQ(d.kind, K::page_next);
    EXPECT_EQ(d.next, (EscalationPosition{0, 2}));
    EXPECT_EQ(d.step_due, kT0) << "the next step's wait counts from the decline";
  }
}

TEST(EscalationPlanTest, LastStepOfLastRoundIsExhausted) {
  const auto d = decide(paging({0, 2}, kT0), three_steps(0), anyone, EscalationTrigger::timer, kT0);
  EXPECT_EQ(d.kind, K::exhausted);
  EXPECT_EQ(decide(paging({0, 2}, kT0), three_steps(1), anyone, EscalationTrigger::timer, kT0).kind,
            K::page_next);
}

TEST(EscalationPlanTest, InactiveDoesNothing) {
  EscalationState s = paging({0, 0}, kT0);
  s.active = false;
  EXPECT_EQ(decide(s, three_steps(), anyone, EscalationTrigger::timer, kT0 + 1h).kind, K::stop);
}

TEST(EscalationPlanTest, AcknowledgedWaitsForFirstContactThenRepagesTheAcknowledger) {
  const auto p = three_steps();
  EscalationState s = paging({0, 1}, kT0 + 5min);
  s.acknowledged = true;
  s.acknowledged_at = kT0 + 2min;
  const auto wait = decide(s, p, anyone, EscalationTrigger::timer, kT0 + 5min);
  EXPECT_EQ(wait.kind, K::wait);
  EXPECT_EQ(wait.until, kT0 + 62min);
  // A decline of another page after the acknowledgement does not page anyone.
  EXPECT_EQ(decide(s, p, anyone, EscalationTrigger::declined, kT0 + 70min).kind, K::wait);
  EXPECT_EQ(decide(s, p, anyone, EscalationTrigger::timer, kT0 + 62min).kind, K::repage);
  EXPECT_EQ(decide(s, p, anyone, EscalationTrigger::timer, kT0 + 3h).step_due, kT0 + 62min);
  s.first_contact_at = kT0 + 30min;
  EXPECT_EQ(decide(s, p, anyone, EscalationTrigger::timer, kT0 + 62min).kind, K::stop);
}

TEST(EscalationPlanTest, RepagesAreBoundedAndCanBeOff) {
  auto p = three_steps();
  EscalationState s = paging({0, 0}, kT0);
  s.acknowledged = true;
  s.acknowledged_at = kT0;
  s.forgotten_repages = 2;
  EXPECT_EQ(decide(s, p, anyone, EscalationTrigger::timer, kT0 + 2h).kind, K::stop);
  s.forgotten_repages = 1;
  EXPECT_EQ(decide(s, p, anyone, EscalationTrigger::timer, kT0 + 2h).kind, K::repage);
  p.forgotten = 0min;
  EXPECT_EQ(decide(s, p, anyone, EscalationTrigger::timer, kT0 + 2h).kind, K::stop);
}

TEST(EscalationPlanTest, TheNextStepGoesToItsCandidate) {
  const auto p = three_steps();
  const auto d =
      decide(paging({0, 0}, kT0 + 5min), p, anyone, EscalationTrigger::timer, kT0 + 5min);
  ASSERT_EQ(d.kind, K::page_next);
  ASSERT_TRUE(d.who.has_value());
  EXPECT_EQ(d.who->person_id, "backup@0");
  EXPECT_TRUE(d.skipped.empty());
  // In the second round the candidate is asked for round 1.
  const auto r1 = decide(paging({0, 2}, kT0), p, anyone, EscalationTrigger::timer, kT0);
  ASSERT_TRUE(r1.who.has_value());
  EXPECT_EQ(r1.who->person_id, "primary@1");
}

TEST(EscalationPlanTest, StepsWithNobodyAreSkippedInOrder) {
  const auto p = three_steps(1);
  // Nobody in the backup layer, and the team lead only in the second round.
  std::vector<std::string> asked;
  const Candidates some = [&](EscalationTarget t, int round) -> std::optional<Candidate> {
    asked.push_back(std::string(to_string(t)) + "@" + std::to_string(round));
    if (t == EscalationTarget::backup) return std::nullopt;
    if (t == EscalationTarget::team_lead && round == 0) return std::nullopt;
    return Candidate{"lead", rota::SelectionRule::team_lead};
  };
  const auto d = decide(paging({0, 0}, kT0 + 5min), p, some, EscalationTrigger::declined, kT0);
  ASSERT_EQ(d.kind, K::page_next);
  EXPECT_EQ(d.next, (EscalationPosition{1, 0})) << "the primary step of round 1 found somebody";
  EXPECT_EQ(d.who->rule, rota::SelectionRule::team_lead);
  EXPECT_EQ(d.step_due, kT0) << "the found step is due when the skipped one was";
  ASSERT_EQ(d.skipped.size(), 2u);
  EXPECT_EQ(to_string(d.skipped[0]), "0.1");
  EXPECT_EQ(to_string(d.skipped[1]), "0.2");
  EXPECT_EQ(asked, (std::vector<std::string>{"backup@0", "team_lead@0", "primary@1"}));
}

TEST(EscalationPlanTest, NobodyForAnyRemainingStepIsExhausted) {
  const Candidates nobody = [](EscalationTarget, int) { return std::optional<Candidate>{}; };
  const auto d = decide(paging({0, 1}, kT0), three_steps(1), nobody, EscalationTrigger::timer, kT0);
  EXPECT_EQ(d.kind, K::exhausted);
  EXPECT_FALSE(d.who.has_value());
  std::vector<std::string> skipped;
  for (const auto& pos : d.skipped) skipped.push_back(to_string(pos));
  EXPECT_EQ(skipped, (std::vector<std::string>{"0.2", "1.0", "1.1", "1.2"}));
  // Waiting and acknowledged incidents ask nobody.
  int asked = 0;
  const Candidates counting = [&](EscalationTarget, int) {
    ++asked;
    return std::optional<Candidate>{};
  };
  EXPECT_EQ(
      decide(paging({0, 0}, kT0 + 5min), three_steps(), counting, EscalationTrigger::timer, kT0)
          .kind,
      K::wait);
  EXPECT_EQ(asked, 0);
}

}  // namespace
}  // namespace piket::paging
