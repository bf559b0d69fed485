#include "piket/cases/engine.hpp"

#include <algorithm>

#include "piket/cases/calendar.hpp"

namespace piket::cases {
namespace {

using common::Instant;
using common::Millis;
using DC = common::DeadlineClock;
using DS = common::DeadlineStage;

// One clock of the case with all its steps; evaluate() decides what is due.
struct Clock {
  ClockKind kind = ClockKind::plan;
  std::string incident;
  Instant due;
  bool met = false;
  std::optional<Instant> met_at;
  bool cancelled = false;
  bool ends = false;   // reaching `due` ends the clock instead of making it overdue
  bool ended = false;  // the clock has run its course whatever the time
  std::vector<Step> steps;
};

std::string ms(Instant t) {
  return std::to_string(common::to_epoch_ms(t));
}

std::string kind_name(std::optional<common::IncidentKind> k) {
  return k ? std::string(common::to_string(*k)) : std::string();
}

class Builder {
 public:
  Builder(const CaseState& s, const EngineRules& r, Instant now) : s_(s), r_(r), now_(now) {}

  Step step(ClockKind k, std::string name, const std::string& anchor, Instant due, Role role,
            DC text_clock, DS stage, Instant text_at, std::string incident = {}) const {
    Step st;
    st.key = s_.id + "|" + std::string(to_string(k)) + "|" + name + "|" + anchor;
    st.clock = k;
    st.name = std::move(name);
    st.due = due;
    st.role = role;
    st.text_clock = text_clock;
    st.stage = stage;
    st.text_at = text_at;
    st.incident = std::move(incident);
    return st;
  }

  const common::DeadlinePolicy& case_policy() const {
    return r_.config.deadline_policy(s_.region, kind_name(s_.opening_kind()));
  }
  std::string opening_incident() const {
    return s_.incidents.empty() ? std::string() : s_.incidents.front().id;
  }

  std::vector<Clock> all() const {
    std::vector<Clock> out;
    acknowledgements(out);
    out.push_back(first_contact());
    out.push_back(plan());
    if (auto b = home_ban()) out.push_back(std::move(*b));
    out.push_back(handover());
    out.push_back(checkin());
    out.push_back(evaluation());
    out.push_back(closing());
    return out;
  }

  void acknowledgements(std::vector<Clock>& out) const {
    for (const auto& inc : s_.incidents) {
      const auto& p = r_.config.deadline_policy(s_.region, common::to_string(inc.kind));
      if (p.ack_timeout.count() == 0) continue;
      Clock c;
      c.kind = ClockKind::acknowledgement;
      c.incident = inc.id;
      c.due = inc.accepted_at + p.ack_timeout;
      c.met = inc.acknowledged_at.has_value() || inc.status == "acknowledged";
      c.met_at = inc.acknowledged_at;
      c.steps.push_back(step(c.kind, "escalate", inc.id, c.due, Role::team_lead,
                             DC::acknowledgement, DS::escalation, c.due, inc.id));
      out.push_back(std::move(c));
    }
  }

  Clock first_contact() const {
    const auto& p = case_policy();
    Clock c;
    c.kind = ClockKind::first_contact;
    c.incident = opening_incident();
    c.due = s_.opened_at + p.first_contact;
    c.met = s_.first_contact_at.has_value() || s_.phase > Phase::registered;
    c.met_at = s_.first_contact_at ? s_.first_contact_at
                                   : (c.met ? std::optional(s_.phase_at) : std::nullopt);
    const auto a = ms(s_.opened_at);
    c.steps.push_back(step(c.kind, "overdue", a, c.due, Role::casemanager, DC::first_contact,
                           DS::overdue, c.due, c.incident));
    c.steps.push_back(step(c.kind, "escalate", a, c.due + p.first_contact_grace, Role::team_lead,
                           DC::first_contact, DS::escalation, c.due, c.incident));
    return c;
  }

  Clock plan() const {
    const auto& p = case_policy();
    Clock c;
    c.kind = ClockKind::plan;
    c.incident = opening_incident();
    c.due = s_.opened_at + p.plan;
    c.met = s_.plan_at.has_value() || s_.phase >= Phase::plan_of_action;
    c.met_at = s_.plan_at ? s_.plan_at : (c.met ? std::optional(s_.phase_at) : std::nullopt);
    const auto a = ms(s_.opened_at);
    for (const auto w : p.plan_warnings) {
      const auto h = std::chrono::duration_cast<std::chrono::hours>(w).count();
      c.steps.push_back(step(c.kind, "warn_" + std::to_string(h) + "h", a, s_.opened_at + w,
                             Role::casemanager, DC::plan, DS::due, c.due, c.incident));
    }
    c.steps.push_back(step(c.kind, "escalate", a, c.due, Role::team_lead, DC::plan, DS::escalation,
                           c.due, c.incident));
    return c;
  }

  // The ban in force: the latest home_ban / home_ban_extended with an end;
  // a home_ban_lifted after it cancels it.
  std::optional<Clock> home_ban() const {
    const IncidentFacts* ban = nullptr;
    bool lifted = false;
    for (const auto& inc : s_.incidents) {
      if ((inc.kind == common::IncidentKind::home_ban ||
           inc.kind == common::IncidentKind::home_ban_extended) &&
          inc.ban_ends_at) {
        ban = &inc;
        lifted = false;
      } else if (inc.kind == common::IncidentKind::home_ban_lifted && ban) {
        lifted = true;
      }
    }
    if (!ban) return std::nullopt;
    const auto& p = r_.config.deadline_policy(s_.region, common::to_string(ban->kind));
    Clock c;
    c.kind = ClockKind::home_ban;
    c.incident = ban->id;
    c.due = *ban->ban_ends_at;
    c.cancelled = lifted;
    c.ends = true;
    const auto a = ms(c.due);
    c.steps.push_back(step(c.kind, "decision", a, c.due - p.ban_decision_before, Role::casemanager,
                           DC::ban_decision, DS::due, c.due, c.incident));
    if (p.ban_end_notice)
      c.steps.push_back(step(c.kind, "end", a, c.due, Role::casemanager, DC::ban_end, DS::overdue,
                             c.due, c.incident));
    return c;
  }

  Clock handover() const {
    const auto& p = case_policy();
    Clock c;
    c.kind = ClockKind::handover;
    c.due = add_calendar_days(s_.opened_at, p.handover_due_days);
    c.met = s_.handover_at.has_value() || s_.phase >= Phase::handover;
    c.met_at =
        s_.handover_at ? s_.handover_at : (c.met ? std::optional(s_.phase_at) : std::nullopt);
    const auto a = ms(s_.opened_at);
    c.steps.push_back(step(c.kind, "warn", a, add_calendar_days(s_.opened_at, p.handover_warn_days),
                           Role::casemanager, DC::handover, DS::due, c.due));
    c.steps.push_back(
        step(c.kind, "escalate", a, c.due, Role::team_lead, DC::handover, DS::escalation, c.due));
    return c;
  }

  // Stall detection: activity within the cadence (weekly while intensive,
  // monthly after handover) until monitoring ends one year after registration;
  // a reminder at the cadence, an escalation after the grace period, and
  // again every cadence while nothing is recorded.
  Clock checkin() const {
    const auto& p = case_policy();
    const auto monitoring_end = add_calendar_days(s_.opened_at, p.closing_days);
    const bool intensive = s_.phase < Phase::handover;
    const int cadence = intensive ? p.checkin_intensive_days : p.checkin_monitoring_days;
    const int grace = intensive ? p.stall_grace_intensive_days : p.stall_grace_monitoring_days;
    const auto last = std::max(s_.last_activity_at, s_.opened_at);
    const auto remind = add_calendar_days(last, cadence);
    Clock c;
    c.kind = ClockKind::checkin;
    c.ends = true;
    if (remind >= monitoring_end) {  // monitoring is over: the closing clock takes it from here
      c.due = monitoring_end;
      c.ended = true;
      return c;
    }
    c.due = remind;
    const auto a = ms(last);
    c.steps.push_back(
        step(c.kind, "remind", a, remind, Role::casemanager, DC::checkin, DS::overdue, remind));
    auto at = add_calendar_days(remind, grace);
    for (int n = 1; at < monitoring_end && n <= 60; ++n) {
      c.steps.push_back(step(c.kind, n == 1 ? "escalate" : "escalate_" + std::to_string(n), a, at,
                             Role::team_lead, DC::checkin, DS::escalation, remind));
      if (at > now_) break;  // later repetitions are generated when this one is taken
      at = add_calendar_days(at, cadence);
    }
    return c;
  }

  Clock evaluation() const {
    const auto& p = case_policy();
    Clock c;
    c.kind = ClockKind::evaluation;
    c.due = add_calendar_days(s_.opened_at, p.evaluation_days);
    c.met = s_.evaluation_at.has_value();
    c.met_at = s_.evaluation_at;
    const auto a = ms(s_.opened_at);
    if (p.evaluation_remind_days > 0)
      c.steps.push_back(
          step(c.kind, "remind", a,
               add_calendar_days(s_.opened_at, p.evaluation_days - p.evaluation_remind_days),
               Role::casemanager, DC::evaluation, DS::due, c.due));
    c.steps.push_back(step(c.kind, "escalate", a, add_calendar_days(c.due, p.evaluation_grace_days),
                           Role::team_lead, DC::evaluation, DS::escalation, c.due));
    return c;
  }

  Clock closing() const {
    const auto& p = case_policy();
    Clock c;
    c.kind = ClockKind::closing;
    c.due = add_calendar_days(s_.opened_at, p.closing_days);
    c.met = s_.phase == Phase::closed;
    c.met_at = s_.closed_at;
    const auto a = ms(s_.opened_at);
    c.steps.push_back(
        step(c.kind, "remind", a, c.due, Role::casemanager, DC::closing, DS::due, c.due));
    c.steps.push_back(step(c.kind, "escalate", a, add_calendar_days(c.due, p.closing_grace_days),
                           Role::team_lead, DC::closing, DS::escalation, c.due));
    return c;
  }

  // The casemanager is absent: the team lead must reassign the case at once
  // (from the start of the absence) while any clock of the case runs. An
  // absence that is over asks for nothing any more (the casemanager is back).
  std::optional<Clock> reassignment() const {
    const auto& ab = s_.absence;
    if (!ab || s_.casemanager.empty() || ab->person != s_.casemanager) return std::nullopt;
    if (ab->until && (*ab->until <= ab->since || *ab->until <= now_)) return std::nullopt;
    Clock c;
    c.kind = ClockKind::reassignment;
    // A case assigned to someone already absent is to be reassigned when it opens.
    c.due = std::max(ab->since, s_.opened_at);
    c.steps.push_back(step(c.kind, "reassign", ab->person + ":" + ms(ab->since), c.due,
                           Role::team_lead, DC::reassignment, DS::escalation, ab->since));
    return c;
  }

 private:
  const CaseState& s_;
  const EngineRules& r_;
  Instant now_;
};

}  // namespace

std::string_view to_string(ClockKind k) {
  switch (k) {
    case ClockKind::acknowledgement:
      return "acknowledgement";
    case ClockKind::first_contact:
      return "first_contact";
    case ClockKind::plan:
      return "plan";
    case ClockKind::home_ban:
      return "home_ban";
    case ClockKind::handover:
      return "handover";
    case ClockKind::checkin:
      return "checkin";
    case ClockKind::evaluation:
      return "evaluation";
    case ClockKind::closing:
      return "closing";
    case ClockKind::reassignment:
      return "reassignment";
  }
  return "unknown";
}

std::string_view to_string(Role r) {
  return r == Role::casemanager ? "casemanager" : "team_lead";
}

std::string_view to_string(ClockState s) {
  switch (s) {
    case ClockState::running:
      return "running";
    case ClockState::overdue:
      return "overdue";
    case ClockState::met:
      return "met";
    case ClockState::cancelled:
      return "cancelled";
    case ClockState::ended:
      return "ended";
  }
  return "unknown";
}

std::vector<ClockKind> Evaluation::overdue() const {
  std::vector<ClockKind> out;
  for (const auto& c : clocks)
    if (c.state == ClockState::overdue && std::find(out.begin(), out.end(), c.clock) == out.end())
      out.push_back(c.clock);
  return out;
}

std::string recipient_of(const CaseState& s, const EngineRules& rules, Role role, Instant now) {
  if (role == Role::casemanager && !s.casemanager.empty() &&
      !(s.absence && s.absence->person == s.casemanager && s.absence->covers(now)))
    return s.casemanager;
  return rules.staff.team_lead(s.region).value_or("");
}

std::string_view case_of_timer(std::string_view member) {
  return member.substr(0, member.find('|'));
}

Evaluation evaluate(const CaseState& s, const EngineRules& rules, Instant now) {
  Evaluation out;
  Builder b(s, rules, now);
  auto clocks = b.all();
  const bool closed = s.phase == Phase::closed;
  bool any_running = false;

  auto process = [&](Clock& c) {
    ClockView v;
    v.clock = c.kind;
    v.incident = c.incident;
    v.due = c.due;
    v.met_at = c.met_at;
    for (const auto& st : c.steps)
      if (s.fired.count(st.key)) v.taken.push_back(st.name);
    if (c.met) {
      v.state = ClockState::met;
    } else if (c.ended) {
      v.state = ClockState::ended;
    } else if (c.cancelled || closed) {
      v.state = ClockState::cancelled;
    } else {
      const Step* next = nullptr;
      for (const auto& st : c.steps) {
        if (s.fired.count(st.key)) continue;
        if (!next) next = &st;
        if (st.due <= now)
          out.actions.push_back({st, recipient_of(s, rules, st.role, now), now - st.due});
      }
      if (next) {
        v.next = *next;
        out.timers.push_back(*next);
      }
      if (now < c.due)
        v.state = ClockState::running;
      else
        v.state = c.ends && !next ? ClockState::ended : ClockState::overdue;
      if (next || v.state != ClockState::ended) any_running = true;
    }
    out.clocks.push_back(std::move(v));
  };
  for (auto& c : clocks) process(c);
  if (!closed && any_running)
    if (auto r = b.reassignment()) process(*r);

  std::sort(out.actions.begin(), out.actions.end(), [](const Action& a, const Action& b2) {
    return a.step.due != b2.step.due ? a.step.due < b2.step.due : a.step.key < b2.step.key;
  });
  for (const auto& t : out.timers)
    if (t.due > now && (!out.next_wakeup || t.due < *out.next_wakeup)) out.next_wakeup = t.due;
  return out;
}

}  // namespace piket::cases
