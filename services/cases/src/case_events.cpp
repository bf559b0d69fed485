#include "piket/cases/case_events.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <regex>

#include "piket/cases/calendar.hpp"
#include "piket/common/time_format.hpp"
#include "piket/common/utf8_length.hpp"
#include "piket/store/case_record.hpp"

namespace piket::cases {
namespace {

namespace json = boost::json;
using common::Instant;

constexpr std::array<std::pair<EventType, std::string_view>, 9> kTypes{{
    {EventType::first_contact, "first_contact"},
    {EventType::intake, "intake"},
    {EventType::plan_of_action, "plan_of_action"},
    {EventType::help_started, "help_started"},
    {EventType::handover, "handover"},
    {EventType::monitoring_contact, "monitoring_contact"},
    {EventType::evaluation, "evaluation"},
    {EventType::closing, "closing"},
    {EventType::reassigned, "reassigned"},
}};

const std::regex kPersonId{"^[a-z0-9][a-z0-9_-]{0,63}$"};

common::ApiRefusal refuse(int status, std::string code, std::string message,
                          std::string field = {}) {
  return common::ApiRefusal{status, std::move(code), std::move(message), std::move(field)};
}

std::optional<Phase> phase_of(EventType t) {
  switch (t) {
    case EventType::first_contact:
      return Phase::first_contact;
    case EventType::intake:
      return Phase::intake;
    case EventType::plan_of_action:
      return Phase::plan_of_action;
    case EventType::help_started:
      return Phase::help;
    case EventType::handover:
      return Phase::handover;
    case EventType::closing:
      return Phase::closed;
    default:
      return std::nullopt;
  }
}

std::string ms(Instant t) {
  return std::to_string(common::to_epoch_ms(t));
}

void set_phase_time(CaseState& s, Phase p, Instant at) {
  switch (p) {
    case Phase::first_contact:
      s.first_contact_at = at;
      break;
    case Phase::intake:
      s.intake_at = at;
      break;
    case Phase::plan_of_action:
      s.plan_at = at;
      break;
    case Phase::help:
      s.help_at = at;
      break;
    case Phase::handover:
      s.handover_at = at;
      break;
    case Phase::monitoring:
      s.monitoring_at = at;
      break;
    case Phase::closed:
      s.closed_at = at;
      break;
    case Phase::registered:
      break;
  }
}

std::string phase_field(Phase p) {
  switch (p) {
    case Phase::first_contact:
      return "first_contact_at";
    case Phase::intake:
      return "intake_at";
    case Phase::plan_of_action:
      return "plan_at";
    case Phase::help:
      return "help_at";
    case Phase::handover:
      return "handover_at";
    case Phase::monitoring:
      return "monitoring_at";
    case Phase::closed:
      return "closed_at";
    case Phase::registered:
      break;
  }
  return "opened_at";
}

// Which incident a first contact or plan answers.
struct Answer {
  std::string incident;
  ClockKind clock = ClockKind::first_contact;
  bool open = false;  // its clock runs (not met yet)
  common::Instant accepted_at;
};

// The incident named in the event, else the one whose clock of that kind is
// open and due first; nothing when none is open and none is named.
std::variant<std::optional<Answer>, common::ApiRefusal> find_answer(const CaseState& s,
                                                                    const EventRequest& e,
                                                                    const EngineRules& rules) {
  const auto clock =
      e.type == EventType::first_contact ? ClockKind::first_contact : ClockKind::plan;
  const auto clocks = incident_clocks(s, rules);
  auto accepted = [&](const std::string& id) -> std::optional<Instant> {
    for (const auto& inc : s.incidents)
      if (inc.id == id) return inc.accepted_at;
    return std::nullopt;
  };
  if (!e.incident.empty()) {
    const auto at = accepted(e.incident);
    if (!at)
      return refuse(422, "unknown_incident", "this case has no incident with that id", "incident");
    Answer a{e.incident, clock, false, *at};
    for (const auto& c : clocks)
      if (c.incident == e.incident && c.clock == clock) a.open = !c.met;
    return std::optional<Answer>(a);
  }
  const IncidentClock* best = nullptr;
  for (const auto& c : clocks)
    if (c.clock == clock && !c.met && !c.incident.empty() && accepted(c.incident) <= e.at &&
        (!best || c.due < best->due))
      best = &c;
  if (!best) return std::optional<Answer>();
  return std::optional<Answer>(Answer{best->incident, clock, true, *accepted(best->incident)});
}

// Who takes over, the conditions as confirmed, and the cadence chosen: on the
// case and its timeline (inside the case; never in a page).
void record_handover(Change& c, json::object& ev, const HandoverFacts& h) {
  c.fields.emplace_back("handover_organisation", h.organisation);
  c.fields.emplace_back("handover_role", h.role);
  ev["receiving_organisation"] = h.organisation;
  ev["receiving_role"] = h.role;
  ev["safety_reached"] = h.safety_reached;
  ev["help_plan_exists"] = h.help_plan_exists;
  if (!h.safety_reached || !h.help_plan_exists) ev["override"] = true;
  if (h.checkin_days) {
    c.fields.emplace_back("checkin_days", std::to_string(*h.checkin_days));
    ev["checkin_days"] = *h.checkin_days;
    c.after.checkin_days = h.checkin_days;
  }
}

}  // namespace

std::string_view to_string(EventType t) {
  for (const auto& [value, name] : kTypes)
    if (value == t) return name;
  return "unknown";
}

std::optional<EventType> parse_event_type(std::string_view s) {
  for (const auto& [value, name] : kTypes)
    if (name == s) return value;
  return std::nullopt;
}

std::variant<EventRequest, common::ApiRefusal> parse_event(std::string_view body, Instant now) {
  json::error_code ec;
  const auto v = json::parse(body, ec);
  if (ec) return refuse(400, "invalid_json", "the body is not JSON");
  if (!v.is_object()) return refuse(400, "not_an_object", "the body must be a JSON object");
  const auto& o = v.as_object();
  for (const auto& [k, _] : o) {
    static constexpr std::string_view known[] = {"type", "at", "reason", "casemanager", "incident"};
    if (std::find(std::begin(known), std::end(known), std::string_view(k)) == std::end(known) &&
        !is_handover_field(k))
      return refuse(422, "unknown_field", "this field is not part of an event",
                    std::string(k).substr(0, 64));
  }
  EventRequest e;
  const auto* type = o.if_contains("type");
  if (!type) return refuse(422, "required", "type is required", "type");
  if (!type->is_string()) return refuse(422, "wrong_type", "type must be a string", "type");
  const auto parsed = parse_event_type(std::string_view(type->as_string()));
  if (!parsed) {
    std::string names;
    for (const auto& [_, name] : kTypes) names += (names.empty() ? "" : ", ") + std::string(name);
    return refuse(422, "unknown_event_type", "type must be one of " + names, "type");
  }
  e.type = *parsed;
  e.at = now;
  if (const auto* at = o.if_contains("at")) {
    if (!at->is_string()) return refuse(422, "wrong_type", "at must be an RFC 3339 string", "at");
    const auto t = common::parse_rfc3339(std::string_view(at->as_string()));
    if (!t) return refuse(422, "invalid_timestamp", "at must be RFC 3339 with an offset", "at");
    if (*t > now) return refuse(422, "in_the_future", "at lies in the future", "at");
    e.at = *t;
  }
  if (const auto* r = o.if_contains("reason")) {
    if (!r->is_string()) return refuse(422, "wrong_type", "reason must be a string", "reason");
    e.reason = std::string(r->as_string());
    if (e.reason.empty() || common::utf8_length(e.reason) > kMaxEventReason)
      return refuse(422, "out_of_range",
                    "reason must be 1-" + std::to_string(kMaxEventReason) + " characters",
                    "reason");
  }
  if (const auto* cm = o.if_contains("casemanager")) {
    if (!cm->is_string() || !std::regex_match(std::string(cm->as_string()), kPersonId))
      return refuse(422, "wrong_type", "casemanager must be a person id", "casemanager");
    e.casemanager = std::string(cm->as_string());
  }
  if (const auto* inc = o.if_contains("incident")) {
    if (!inc->is_string() || !common::is_incident_id(std::string_view(inc->as_string())))
      return refuse(422, "wrong_type", "incident must be an incident id", "incident");
    e.incident = std::string(inc->as_string());
  }
  if (e.type == EventType::reassigned && e.casemanager.empty())
    return refuse(422, "required", "a reassignment names the new casemanager", "casemanager");
  for (const auto& [k, _] : o)
    if (e.type != EventType::handover && is_handover_field(k))
      return refuse(422, "unknown_field", "this field belongs to a handover only", std::string(k));
  if (auto r = parse_handover_fields(o, e.handover)) return *r;
  if (e.type != EventType::reassigned && !e.casemanager.empty())
    return refuse(422, "unknown_field", "casemanager belongs to a reassignment only",
                  "casemanager");
  return e;
}

std::variant<Change, common::ApiRefusal> apply_event(const CaseState& s, const EventRequest& e,
                                                     const Actor& actor, const EngineRules& rules,
                                                     Instant now) {
  if (s.phase == Phase::closed) return refuse(409, "case_closed", "the case is closed");
  if (!e.incident.empty() && e.type != EventType::first_contact &&
      e.type != EventType::plan_of_action)
    return refuse(422, "not_an_answer", "only first_contact and plan_of_action answer an incident",
                  "incident");
  if (e.at < s.opened_at)
    return refuse(422, "before_case_opened", "at lies before the case was registered", "at");
  Change c;
  c.after = s;
  auto& after = c.after;
  json::object ev;
  ev["at"] = common::to_epoch_ms(e.at);
  ev["type"] = std::string(to_string(e.type));
  ev["by"] = store::by_person(actor.person);
  ev["recorded_at"] = common::to_epoch_ms(now);
  if (!e.reason.empty()) ev["reason"] = e.reason;
  bool activity = true;
  // The answer to an incident's clock: its time on the incident.
  auto record_answer = [](Change& ch, const Answer& a,
                          Instant when) -> std::optional<common::ApiRefusal> {
    if (when < a.accepted_at)
      return refuse(422, "before_incident", "at lies before the incident was accepted", "at");
    const bool plan = a.clock == ClockKind::plan;
    ch.incident_fields.push_back({a.incident, plan ? "plan_at" : "contact_at", ms(when)});
    for (auto& inc : ch.after.incidents)
      if (inc.id == a.incident) (plan ? inc.plan_at : inc.contact_at) = when;
    return std::nullopt;
  };
  std::optional<Answer> answer;
  if (e.type == EventType::first_contact || e.type == EventType::plan_of_action) {
    auto a = find_answer(s, e, rules);
    if (auto* r = std::get_if<common::ApiRefusal>(&a)) return *r;
    answer = std::get<std::optional<Answer>>(a);
    if (answer) ev["incident"] = answer->incident;
  }

  if (e.type == EventType::reassigned) {
    if (actor.role != rota::StaffRole::team_lead)
      return refuse(403, "team_lead_only", "only a team lead reassigns a case");
    if (!rules.staff.is_casemanager_in(e.casemanager, s.region))
      return refuse(422, "unknown_casemanager", "no casemanager with that id in the case's region",
                    "casemanager");
    if (e.casemanager == s.casemanager)
      return refuse(409, "already_assigned", "the case is already assigned to that casemanager",
                    "casemanager");
    ev["from"] = s.casemanager;
    ev["to"] = e.casemanager;
    c.op = Change::Op::reassign;
    c.new_casemanager = e.casemanager;
    after.casemanager = e.casemanager;
    if (after.absence && after.absence->person != e.casemanager) after.absence.reset();
    activity = false;
  } else if (const auto target = phase_of(e.type); target && *target <= s.phase) {
    // Past that phase: going out again or a revised plan, for a later incident.
    if (!answer)
      return refuse(409, "phase_already_reached",
                    "the case is already in phase " + std::string(to_string(s.phase)), "type");
    if (!answer->open)
      return refuse(409, "already_answered",
                    "that incident has no open " + std::string(to_string(answer->clock)) +
                        " clock: it is recorded already, or its kind starts none",
                    "incident");
    if (auto r = record_answer(c, *answer, e.at)) return *r;
  } else if (target) {
    if (e.at < s.phase_at)
      return refuse(422, "before_previous_phase",
                    "at lies before the case entered phase " + std::string(to_string(s.phase)),
                    "at");
    const Phase expected = next_phase(s.phase);
    const bool skips = *target > expected;
    if (e.type == EventType::closing) {
      const auto& p = rules.deadlines.policy(
          s.region, s.opening_kind() ? common::to_string(*s.opening_kind()) : "");
      const auto one_year = add_calendar_days(s.opened_at, p.closing_days);
      if (e.at < one_year) {
        if (actor.role != rota::StaffRole::team_lead)
          return refuse(422, "closing_too_early",
                        "a case closes " + std::to_string(p.closing_days) +
                            " days after registration, on " + common::format_rfc3339(one_year) +
                            "; before that only a team lead may close it, with a reason",
                        "at");
        if (e.reason.empty())
          return refuse(422, "reason_required", "closing before the year is over needs a reason",
                        "reason");
      } else if (!s.evaluation_at ||
                 *s.evaluation_at < add_calendar_days(s.opened_at, p.evaluation_from_days)) {
        return refuse(422, "evaluation_missing",
                      "record the evaluation (from " + std::to_string(p.evaluation_from_days) +
                          " days after registration on) before closing the case",
                      "type");
      }
      c.op = Change::Op::close;
      c.fields.emplace_back("state", "closed");
    }
    if (e.type == EventType::handover) {
      const auto& p = rules.deadlines.policy(
          s.region, s.opening_kind() ? common::to_string(*s.opening_kind()) : "");
      if (auto r = check_handover(e.handover, e.reason, actor, p)) return *r;
      record_handover(c, ev, e.handover);
    }
    if (skips && e.reason.empty())
      return refuse(422, "phase_skipped",
                    std::string(to_string(e.type)) + " in phase " +
                        std::string(to_string(s.phase)) + " skips " +
                        std::string(to_string(expected)) + "; give a reason",
                    "reason");
    if (answer && answer->open)
      if (auto r = record_answer(c, *answer, e.at)) return *r;
    after.phase = *target;
    after.phase_at = e.at;
    set_phase_time(after, *target, e.at);
    c.fields.emplace_back("phase", std::string(to_string(*target)));
    c.fields.emplace_back("phase_at", ms(e.at));
    c.fields.emplace_back(phase_field(*target), ms(e.at));
    ev["phase"] = std::string(to_string(*target));
  } else if (e.type == EventType::monitoring_contact) {
    if (s.phase == Phase::registered)
      return refuse(422, "no_first_contact", "record the first contact before check-ins", "type");
    if (s.phase == Phase::handover) {
      if (e.at < s.phase_at)
        return refuse(422, "before_previous_phase",
                      "at lies before the case entered phase handover", "at");
      after.phase = Phase::monitoring;
      after.phase_at = e.at;
      after.monitoring_at = e.at;
      c.fields.emplace_back("phase", "monitoring");
      c.fields.emplace_back("phase_at", ms(e.at));
      c.fields.emplace_back("monitoring_at", ms(e.at));
      ev["phase"] = "monitoring";
    }
  } else if (e.type == EventType::evaluation) {
    if (s.phase < Phase::plan_of_action)
      return refuse(422, "too_early", "an evaluation needs a plan of action first", "type");
    // Only an evaluation within its window meets the six-month clock; an
    // earlier one stays on the timeline. The case keeps the latest.
    const auto& p = rules.deadlines.policy(
        s.region, s.opening_kind() ? common::to_string(*s.opening_kind()) : "");
    ev["counts"] = e.at >= add_calendar_days(s.opened_at, p.evaluation_from_days);
    if (!s.evaluation_at || e.at > *s.evaluation_at) {
      after.evaluation_at = e.at;
      c.fields.emplace_back("evaluation_at", ms(e.at));
    }
  }
  if (activity && e.at > s.last_activity_at) {
    after.last_activity_at = e.at;
    c.fields.emplace_back("last_activity_at", ms(e.at));
  }
  c.timeline_json = json::serialize(ev);
  return c;
}

}  // namespace piket::cases
