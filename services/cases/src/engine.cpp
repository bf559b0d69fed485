#include "piket/cases/engine.hpp"

#include <algorithm>
#include <set>

#include "piket/cases/calendar.hpp"
#include "piket/cases/track.hpp"

namespace piket::cases {
namespace {

using common::Instant;
using common::Millis;
using DC = paging::DeadlineClock;
using DS = paging::DeadlineStage;

// One clock of the case with all its steps; evaluate() decides what is due.
struct Clock {
  ClockKind kind = ClockKind::plan;
  std::string incident;
  std::string agreement;
  std::string track;
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

DC track_text_clock(Track t) {
  switch (t) {
    case Track::perpetrator:
      return DC::track_perpetrator;
    case Track::victim:
      return DC::track_victim;
    case Track::children:
      return DC::track_children;
    case Track::other:
      break;
  }
  return DC::track_other;
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
    // Reminders to the casemanager ask for an acknowledgement; the notice that
    // a ban ended only informs.
    st.asks_ack = role == Role::casemanager && stage != DS::escalation &&
                  !(k == ClockKind::home_ban && st.name == "end");
    return st;
  }

  const cases::DeadlinePolicy& policy_of(const IncidentFacts& inc) const {
    return r_.deadlines.policy(s_.region, common::to_string(inc.kind));
  }

  // A reminder not acknowledged within the policy's time goes to the team
  // lead — unless the clock reaches the team lead by then anyway. Only
  // reminders whose page the shell watches (case:{id}:reminders) count: one
  // taken before the upgrade, or sent to the team lead, has no entry.
  void followups(Clock& c, const cases::DeadlinePolicy& p) const {
    if (p.reminder_ack.count() == 0) return;
    const bool running = !c.met && !c.cancelled && !c.ended && s_.phase != Phase::closed;
    std::vector<Step> extra;
    for (const auto& st : c.steps) {
      if (!st.asks_ack) continue;
      const auto it = s_.reminders.find(st.key);
      if (it == s_.reminders.end() || it->second.acknowledged) continue;
      const auto due = st.due + p.reminder_ack;
      const bool lead_by_then = std::any_of(c.steps.begin(), c.steps.end(), [&](const Step& o) {
        return o.role == Role::team_lead && o.due <= due;
      });
      if (lead_by_then) continue;
      const auto anchor = st.key.substr(st.key.rfind('|') + 1);
      auto f = step(c.kind, st.name + "_unanswered", anchor, due, Role::team_lead, st.text_clock,
                    DS::unanswered, st.due, st.incident);
      if (running && !s_.fired.count(f.key)) live_reminders_.insert(st.key);
      extra.push_back(std::move(f));
    }
    c.steps.insert(c.steps.end(), extra.begin(), extra.end());
  }

  const cases::DeadlinePolicy& case_policy() const {
    return r_.deadlines.policy(s_.region, kind_name(s_.opening_kind()));
  }

  // The watched reminders that still may lead to a follow-up (filled by all()).
  const std::set<std::string>& live_reminders() const { return live_reminders_; }

  std::vector<Clock> all() const {
    std::vector<Clock> out;
    const auto per_incident = incident_clocks(s_, r_);
    for (const auto& ic : per_incident)
      if (ic.clock == ClockKind::first_contact) out.push_back(first_contact(ic));
    for (const auto& ic : per_incident)
      if (ic.clock == ClockKind::plan) out.push_back(plan(ic));
    if (auto b = home_ban()) out.push_back(std::move(*b));
    out.push_back(handover());
    out.push_back(checkin());
    out.push_back(evaluation());
    out.push_back(closing());
    for (const auto& a : s_.agreements)
      if (a.state == AgreementState::open) out.push_back(agreement(a));
    for (const auto t : case_tracks(s_))
      if (auto c = track(t)) out.push_back(std::move(*c));
    return out;
  }

  const IncidentFacts* incident(const std::string& id) const {
    for (const auto& inc : s_.incidents)
      if (inc.id == id) return &inc;
    return nullptr;  // a case with no incident on record
  }
  const cases::DeadlinePolicy& policy_for(const IncidentClock& ic) const {
    const auto* inc = incident(ic.incident);
    return ic.opening || !inc ? case_policy() : policy_of(*inc);
  }

  // The incident that opened the case keeps the case's anchor (its
  // registration time) so that keys taken before clocks per incident stay
  // taken; a later incident's clocks are anchored at the incident's id.
  std::string anchor_of(const IncidentClock& ic) const {
    return ic.opening ? ms(s_.opened_at) : ic.incident;
  }

  std::optional<Instant> met_at(const IncidentClock& ic) const {
    if (!ic.met) return std::nullopt;
    const auto* inc = incident(ic.incident);
    if (ic.clock == ClockKind::first_contact) {
      if (ic.opening && s_.first_contact_at) return s_.first_contact_at;
      if (inc && inc->contact_at) return inc->contact_at;
      if (inc && inc->plan_at) return inc->plan_at;
    } else {
      if (ic.opening && s_.plan_at) return s_.plan_at;
      if (inc && inc->plan_at) return inc->plan_at;
    }
    return s_.phase_at;
  }

  Clock first_contact(const IncidentClock& ic) const {
    const auto& p = policy_for(ic);
    Clock c;
    c.kind = ClockKind::first_contact;
    c.incident = ic.incident;
    c.due = ic.due;
    c.met = ic.met;
    c.met_at = met_at(ic);
    const auto a = anchor_of(ic);
    c.steps.push_back(step(c.kind, "overdue", a, c.due, Role::casemanager, DC::first_contact,
                           DS::overdue, c.due, c.incident));
    c.steps.push_back(step(c.kind, "escalate", a, c.due + p.first_contact_grace, Role::team_lead,
                           DC::first_contact, DS::escalation, c.due, c.incident));
    followups(c, p);
    return c;
  }

  Clock plan(const IncidentClock& ic) const {
    const auto& p = policy_for(ic);
    const auto start = ic.due - p.plan;
    Clock c;
    c.kind = ClockKind::plan;
    c.incident = ic.incident;
    c.due = ic.due;
    c.met = ic.met;
    c.met_at = met_at(ic);
    const auto a = anchor_of(ic);
    for (const auto w : p.plan_warnings) {
      const auto h = std::chrono::duration_cast<std::chrono::hours>(w).count();
      c.steps.push_back(step(c.kind, "warn_" + std::to_string(h) + "h", a, start + w,
                             Role::casemanager, DC::plan, DS::due, c.due, c.incident));
    }
    c.steps.push_back(step(c.kind, "escalate", a, c.due, Role::team_lead, DC::plan, DS::escalation,
                           c.due, c.incident));
    followups(c, p);
    return c;
  }

  // The ban in force (ban_in_force): the extension decision before its end
  // — unless it has reached the 28-day maximum from its first start and
  // cannot be extended — and a notice at the end. A lifting cancels it.
  std::optional<Clock> home_ban() const {
    const auto ban = ban_in_force(s_);
    if (!ban) return std::nullopt;
    const auto& p = policy_of(*incident(ban->incident));
    Clock c;
    c.kind = ClockKind::home_ban;
    c.incident = ban->incident;
    c.due = ban->ends_at;
    c.cancelled = ban->lifted;
    c.ends = true;
    const auto a = ms(c.due);
    // No decision is asked about a ban that can no longer be extended: one at
    // its 28-day maximum, or one that had already ended when it was reported.
    const bool ended_before_report = c.due <= incident(ban->incident)->accepted_at;
    if (!ban->at_maximum && !ended_before_report)
      c.steps.push_back(step(c.kind, "decision", a, c.due - p.ban_decision_before,
                             Role::casemanager, DC::ban_decision, DS::due, c.due, c.incident));
    if (p.ban_end_notice)
      c.steps.push_back(step(c.kind, "end", a, c.due, Role::casemanager, DC::ban_end, DS::overdue,
                             c.due, c.incident));
    followups(c, p);
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
    followups(c, p);
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
    // After handover: the cadence chosen for the case (handover.hpp), if any.
    const int cadence =
        intensive ? p.checkin_intensive_days : s_.checkin_days.value_or(p.checkin_monitoring_days);
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
    followups(c, p);
    return c;
  }

  Clock evaluation() const {
    const auto& p = case_policy();
    Clock c;
    c.kind = ClockKind::evaluation;
    c.due = add_calendar_days(s_.opened_at, p.evaluation_days);
    // Only an evaluation within the window counts (about half a year after
    // the report); an earlier one stays on the timeline.
    c.met = s_.evaluation_at &&
            *s_.evaluation_at >= add_calendar_days(s_.opened_at, p.evaluation_from_days);
    if (c.met) c.met_at = s_.evaluation_at;
    const auto a = ms(s_.opened_at);
    if (p.evaluation_remind_days > 0)
      c.steps.push_back(
          step(c.kind, "remind", a,
               add_calendar_days(s_.opened_at, p.evaluation_days - p.evaluation_remind_days),
               Role::casemanager, DC::evaluation, DS::due, c.due));
    c.steps.push_back(step(c.kind, "escalate", a, add_calendar_days(c.due, p.evaluation_grace_days),
                           Role::team_lead, DC::evaluation, DS::escalation, c.due));
    followups(c, p);
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
    followups(c, p);
    return c;
  }

  // An open agreement (agreement.hpp): at its due time a page to the
  // casemanager, after the grace period to the team lead. Done, missed or
  // cancelled stops it (only open agreements have a clock). Anchored at the
  // agreement's id: each agreement is one instance of the clock.
  Clock agreement(const Agreement& ag) const {
    const auto& p = case_policy();
    Clock c;
    c.kind = ClockKind::agreement;
    c.agreement = ag.id;
    c.due = ag.due;
    c.steps.push_back(step(c.kind, "overdue", ag.id, c.due, Role::casemanager, DC::agreement,
                           DS::overdue, c.due));
    c.steps.push_back(step(c.kind, "escalate", ag.id, c.due + p.agreement_grace, Role::team_lead,
                           DC::agreement, DS::escalation, c.due));
    followups(c, p);
    return c;
  }

  // A track of the case (track.hpp) not seen within track_days of the case's
  // first contact: a page to the casemanager ("SPOOR NIET GEZIEN"), the team
  // lead track_grace later. A first contact or intake on the track meets it;
  // "not applicable" takes the track off the clock. Anchored at the track and
  // the case's first contact ("perpetrator:<ms>"). No clock before the case's
  // first contact (its own clock asks for that). Every track of the case is on
  // the clock, "other" too (issue 16: "every track within 7 days of the first
  // contact").
  std::optional<Clock> track(Track t) const {
    if (!s_.first_contact_at) return std::nullopt;
    const auto* r = track_record(s_, t);
    if (r && r->not_applicable) return std::nullopt;
    const auto& p = case_policy();
    if (p.track_clocks_since && *s_.first_contact_at < *p.track_clocks_since) return std::nullopt;
    Clock c;
    c.kind = ClockKind::track;
    c.track = std::string(to_string(t));
    c.due = add_calendar_days(*s_.first_contact_at, p.track_days);
    c.met_at = r ? r->seen_at() : std::nullopt;
    c.met = c.met_at.has_value();
    const auto a = c.track + ":" + ms(*s_.first_contact_at);
    const auto text = track_text_clock(t);
    c.steps.push_back(
        step(c.kind, "overdue", a, c.due, Role::casemanager, text, DS::overdue, c.due));
    c.steps.push_back(step(c.kind, "escalate", a, c.due + p.track_grace, Role::team_lead, text,
                           DS::escalation, c.due));
    followups(c, p);
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
  mutable std::set<std::string> live_reminders_;
};

}  // namespace

std::string_view to_string(ClockKind k) {
  switch (k) {
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
    case ClockKind::agreement:
      return "agreement";
    case ClockKind::track:
      return "track";
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

cases::IncidentClocks default_incident_clocks(common::IncidentKind kind) {
  using K = common::IncidentKind;
  switch (kind) {
    case K::home_ban:
    case K::code_red:
      return {true, true};  // go out at once, and a plan (new or revised) within 12 hours
    case K::ban_violation:
    case K::repeat_incident:
      return {true, false};  // go out; the plan is revised when the visit calls for it
    case K::home_ban_extended:
    case K::home_ban_lifted:
      break;  // their effect on the ban only
  }
  return {};
}

std::vector<IncidentClock> incident_clocks(const CaseState& s, const EngineRules& rules) {
  std::vector<IncidentClock> out;
  if (s.incidents.empty()) {  // no incident on record: the case's own clocks
    const auto& p = rules.deadlines.policy(s.region, "");
    out.push_back({"", ClockKind::first_contact, s.opened_at + p.first_contact,
                   s.first_contact_at || s.phase > Phase::registered, true});
    out.push_back({"", ClockKind::plan, s.opened_at + p.plan,
                   s.plan_at || s.phase >= Phase::plan_of_action, true});
    return out;
  }
  for (std::size_t i = 0; i < s.incidents.size(); ++i) {
    const auto& inc = s.incidents[i];
    const bool opening = i == 0;
    const auto& p = rules.deadlines.policy(
        s.region, common::to_string(opening && s.opening_kind() ? *s.opening_kind() : inc.kind));
    cases::IncidentClocks which{true, true};
    if (!opening) {
      if (p.incident_clocks_since && inc.accepted_at < *p.incident_clocks_since) continue;
      which = p.incident_clocks.value_or(default_incident_clocks(inc.kind));
    }
    const auto start = opening ? s.opened_at : inc.accepted_at;
    if (which.first_contact) {
      IncidentClock c{inc.id, ClockKind::first_contact, start + p.first_contact, false, opening};
      c.met = inc.contact_at || inc.plan_at ||
              (opening && (s.first_contact_at || s.phase > Phase::registered));
      out.push_back(std::move(c));
    }
    if (which.plan) {
      IncidentClock c{inc.id, ClockKind::plan, start + p.plan, false, opening};
      c.met = inc.plan_at || (opening && (s.plan_at || s.phase >= Phase::plan_of_action));
      out.push_back(std::move(c));
    }
  }
  return out;
}

std::optional<BanInForce> ban_in_force(const CaseState& s) {
  using K = common::IncidentKind;
  std::optional<std::size_t> at;
  bool lifted = false;
  for (std::size_t i = 0; i < s.incidents.size(); ++i) {
    const auto& inc = s.incidents[i];
    if ((inc.kind == K::home_ban || inc.kind == K::home_ban_extended) && inc.ban_ends_at) {
      at = i;
      lifted = false;
    } else if (inc.kind == K::home_ban_lifted && at) {
      lifted = true;
    }
  }
  if (!at) return std::nullopt;
  const auto& ban = s.incidents[*at];
  BanInForce out;
  out.incident = ban.id;
  out.ends_at = *ban.ban_ends_at;
  out.lifted = lifted;
  // Back through its extensions to the home ban that began it (a lifting
  // before that ended an earlier ban).
  out.first_start = ban.ban_starts_at.value_or(ban.accepted_at);
  for (std::size_t j = *at + 1; j-- > 0;) {
    const auto& inc = s.incidents[j];
    if (inc.kind == K::home_ban_lifted) break;
    if (inc.kind != K::home_ban && inc.kind != K::home_ban_extended) continue;
    if (inc.ban_starts_at) out.first_start = std::min(out.first_start, *inc.ban_starts_at);
    if (inc.kind == K::home_ban) break;
  }
  // 28 days by the clock or by the calendar, whichever comes first: a ban
  // across a DST change is at its maximum either way.
  constexpr int kMaxDays = 28;
  const auto max_end = std::min(out.first_start + std::chrono::hours{24 * kMaxDays},
                                add_calendar_days(out.first_start, kMaxDays));
  out.at_maximum = out.ends_at >= max_end;
  // The case's own ban record (ingest wrote it with the acceptance rule,
  // common/ban_script.hpp) decides when it is there: one rule for what can
  // still be extended.
  if (s.ban && s.ban->end == out.ends_at) out.at_maximum = s.ban->at_maximum();
  return out;
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
    v.agreement = c.agreement;
    v.track = c.track;
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
      const Step* next = nullptr;  // the earliest step not taken
      for (const auto& st : c.steps) {
        if (s.fired.count(st.key)) continue;
        if (!next || st.due < next->due) next = &st;
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
  for (const auto& [key, _] : s.reminders)
    if (!b.live_reminders().count(key)) out.stale_reminders.push_back(key);
  return out;
}

}  // namespace piket::cases
