#include "piket/paging/escalation_plan.hpp"

#include <charconv>

namespace piket::paging {

std::string to_string(EscalationPosition p) {
  return std::to_string(p.round) + "." + std::to_string(p.step);
}

std::optional<EscalationPosition> parse_position(std::string_view s) {
  const auto dot = s.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= s.size() || s.size() > 8)
    return std::nullopt;
  EscalationPosition p;
  const auto a = std::from_chars(s.data(), s.data() + dot, p.round);
  const auto b = std::from_chars(s.data() + dot + 1, s.data() + s.size(), p.step);
  if (a.ec != std::errc{} || a.ptr != s.data() + dot || b.ec != std::errc{} ||
      b.ptr != s.data() + s.size() || p.round < 0 || p.step < 0 || p.round > 99 || p.step > 99)
    return std::nullopt;
  return p;
}

std::optional<EscalationPosition> next_position(const EscalationPolicy& policy,
                                                EscalationPosition at) {
  const int steps = static_cast<int>(policy.steps.size());
  if (at.step + 1 < steps) return EscalationPosition{at.round, at.step + 1};
  if (at.round < policy.repeat) return EscalationPosition{at.round + 1, 0};
  return std::nullopt;
}

EscalationPosition initial_position(const EscalationPolicy& policy, rota::SelectionRule rule) {
  using T = EscalationTarget;
  T target = T::primary;
  if (rule == rota::SelectionRule::backup) target = T::backup;
  if (rule == rota::SelectionRule::team_lead) target = T::team_lead;
  for (std::size_t i = 0; i < policy.steps.size(); ++i)
    if (policy.steps[i].target == target) return {0, static_cast<int>(i)};
  return {0, 0};
}

common::Millis wait_at(const EscalationPolicy& policy, EscalationPosition at) {
  if (policy.steps.empty()) return common::Millis{0};
  const auto i = static_cast<std::size_t>(at.step) < policy.steps.size()
                     ? static_cast<std::size_t>(at.step)
                     : policy.steps.size() - 1;
  return policy.steps[i].wait;
}

std::string_view to_string(EscalationTrigger t) {
  switch (t) {
    case EscalationTrigger::timer:
      return "timeout";
    case EscalationTrigger::declined:
      return "declined";
    case EscalationTrigger::undeliverable:
      return "undeliverable";
  }
  return "timeout";
}

common::Instant next_due(const EscalationPolicy& policy, EscalationPosition at,
                         common::Instant step_due) {
  return step_due + wait_at(policy, at);
}

EscalationDecision decide(const EscalationState& state, const EscalationPolicy& policy,
                          const Candidates& candidates, EscalationTrigger trigger,
                          common::Instant now) {
  using K = EscalationDecision::Kind;
  if (!state.active) return {K::stop, state.at, {}, {}};
  if (state.acknowledged) {
    // A decline or failure of another page after the acknowledgement changes
    // nothing; only the forgotten-acknowledgement timer runs on.
    if (state.first_contact_at || policy.forgotten.count() == 0 ||
        state.forgotten_repages >= policy.forgotten_repages || !state.acknowledged_at)
      return {K::stop, state.at, {}, {}};
    const auto at = *state.acknowledged_at + policy.forgotten;
    if (trigger == EscalationTrigger::timer && now >= at) return {K::repage, state.at, {}, at};
    return {K::wait, state.at, at, {}};
  }
  if (trigger == EscalationTrigger::timer && now < state.due)
    return {K::wait, state.at, state.due, {}};
  // The timer's step was due at state.due (however late it is taken); a
  // decline or an undeliverable page moves on now.
  const auto due = trigger == EscalationTrigger::timer ? state.due : now;
  // The next step that has somebody to page; steps with nobody are skipped.
  EscalationDecision d{K::exhausted, state.at, {}, {}};
  for (auto pos = next_position(policy, state.at); pos; pos = next_position(policy, *pos)) {
    const auto target = policy.steps.at(static_cast<std::size_t>(pos->step)).target;
    if (auto who = candidates(target, pos->round)) {
      d.kind = K::page_next;
      d.next = *pos;
      d.step_due = due;
      d.who = std::move(who);
      return d;
    }
    d.skipped.push_back(*pos);
  }
  return d;
}

}  // namespace piket::paging
