// Cases: the person's own list, one case, and the changes people make to a
// case (events, reassignment, joining and splitting families).
#include <algorithm>
#include <map>

#include "piket/common/phone_number.hpp"
#include "piket/common/records.hpp"
#include "piket/common/utf8_length.hpp"
#include "piket/web/access_policy.hpp"
#include "piket/web/escalation_cause.hpp"
#include "piket/web/labels.hpp"
#include "piket/web/local_time.hpp"
#include "web_api_handlers.hpp"

namespace piket::web::api {
namespace {

// Every route with a case id refuses a malformed one first (404, audited).
std::optional<HttpResponse> malformed_case_id(WebContext& w, const Request& r) {
  if (is_case_id(r.id)) return std::nullopt;
  return refuse(w, r, 404, "not_found", "no such case", "-", "malformed id");
}

// The handover fields of an event body (case_backend.hpp Handover): types and
// bounds, each refusal naming its field; on any other event they are refused
// as the case service refuses them. Whether the handover may be recorded
// (who named, both conditions or a team lead's reason, the policy's cadence)
// is the case service's rule.
std::optional<HttpResponse> handover_fields(const json::object& o, const std::string& type,
                                            Handover& h) {
  const auto refuse_field = [](std::string_view code, const std::string& message,
                               std::string_view field) {
    return common::error_response(422, code, message, field);
  };
  for (const char* key : {"receiving_organisation", "receiving_role", "safety_reached",
                          "help_plan_exists", "checkin_days"})
    if (type != "handover" && o.contains(key))
      return refuse_field("unknown_field", "this field belongs to a handover only", key);
  const auto bounded = [&](const char* key, std::size_t max,
                           std::string& out) -> std::optional<HttpResponse> {
    const auto* v = o.if_contains(key);
    if (!v) return std::nullopt;
    if (!v->is_string()) return refuse_field("wrong_type", std::string(key) + " must be text", key);
    out = std::string(v->as_string());
    if (out.empty() || common::utf8_length(out) > max)
      return refuse_field("out_of_range",
                          std::string(key) + " must be 1-" + std::to_string(max) + " characters",
                          key);
    return std::nullopt;
  };
  if (auto bad = bounded("receiving_organisation", kMaxReceivingOrganisation, h.organisation))
    return bad;
  if (auto bad = bounded("receiving_role", kMaxReceivingRole, h.role)) return bad;
  for (auto [key, out] : {std::pair{"safety_reached", &h.safety_reached},
                          std::pair{"help_plan_exists", &h.help_plan_exists}})
    if (const auto* v = o.if_contains(key)) {
      if (!v->is_bool())
        return refuse_field("wrong_type", std::string(key) + " must be true or false", key);
      *out = v->as_bool();
    }
  if (const auto* v = o.if_contains("checkin_days")) {
    if (!v->is_int64() || v->as_int64() < 1 || v->as_int64() > kMaxCheckinDays)
      return refuse_field(
          "out_of_range",
          "checkin_days must be a whole number of days, 1-" + std::to_string(kMaxCheckinDays),
          "checkin_days");
    h.checkin_days = static_cast<int>(v->as_int64());
  }
  return std::nullopt;
}

// The handover fields' bounds, for the event form (null when nothing can be
// recorded).
json::value handover_form(CaseBackend& cases, const std::string& id, bool can_record) {
  if (!can_record) return nullptr;
  const auto range = cases.checkin_range(id);
  return json::object{{"organisation_max", kMaxReceivingOrganisation},
                      {"role_max", kMaxReceivingRole},
                      {"checkin_min_days", range.min_days},
                      {"checkin_max_days", range.max_days}};
}

// A team lead joins another case of the family into this one, or splits
// it off again (cases::CaseFamilies); audited either way.
HttpResponse join_or_split(WebContext& w, Request& r, bool join) {
  if (auto bad = malformed_case_id(w, r)) return *bad;
  const auto& id = r.id;
  auto facts = w.repo.facts(id, r.who->person);
  if (!facts) return refuse(w, r, 404, "not_found", "no such case", id, "no such case");
  // A team lead of the case's region; closed or merged cases are the cases
  // service's to refuse (409).
  if (auto dec = may_reassign_case(*r.who, *facts, w.d.domain_clock.now()); !dec)
    return refuse(w, r, 403, "forbidden",
                  join ? "not allowed to join cases here" : "not allowed to split cases here", id,
                  dec.reason);
  auto parsed = body_object(r);
  if (auto* answer = std::get_if<HttpResponse>(&parsed)) return *answer;
  const auto& o = std::get<json::object>(parsed);
  const auto other = text(o, "other_case_id");
  const auto reason = text(o, "reason");
  if (!is_case_id(other))
    return common::error_response(422, "unknown_case", "give the other case's id", "other_case_id");
  if (reason.empty() || reason.size() > 500)
    return common::error_response(422, "out_of_range", "give a reason (1-500 characters)",
                                  "reason");
  const auto out = join ? w.d.cases.join_cases(id, other, r.who->person, reason)
                        : w.d.cases.split_case(id, other, r.who->person, reason);
  return from_outcome(w, r, out, id, (join ? "joined " : "split off ") + other);
}

}  // namespace

HttpResponse my_cases(WebContext& w, Request& r) {
  if (r.who->role == Role::admin)
    return refuse(w, r, 403, "forbidden", "admins see no case content", r.who->person,
                  "admins see no case content");
  const auto now = w.d.domain_clock.now();
  const auto ids = w.repo.cases_of(r.who->person);
  json::array pages, cases;
  std::vector<std::string> mine;
  std::vector<std::string> page_ids;
  std::map<std::string, CaseSummary> summaries;
  for (const auto& id : ids) {
    // Pages sent to the person are theirs to see (they carry no person
    // data); the cases listed are their own.
    auto rec = w.repo.load(id, r.who->person);
    if (!rec) continue;
    for (const auto& p : rec->pages)
      if (p.person == r.who->person && !p.info && !p.acknowledged_at && !p.declined_at &&
          p.state != "failed" && p.state != "cancelled" && p.state != "superseded") {
        // A deadline page ("deadline:<clock>:<step>") says its clock, in words.
        const auto cause = deadline_cause(p.rule);
        json::object o{{"id", p.id},
                       {"case", p.case_id},
                       {"created_at", p.created_at},
                       {"kind", rec->summary.kind},
                       {"kind_label", kind_label(rec->summary.kind)},
                       {"rule", p.rule},
                       {"rule_label", cause.clock.empty() ? p.rule : clock_label(cause.clock)}};
        if (!cause.clock.empty()) o["clock"] = cause.clock;
        pages.push_back(std::move(o));
      }
    if (rec->summary.casemanager == r.who->person) mine.push_back(id);
    summaries[id] = rec->summary;
  }
  auto clocks = w.d.cases.clocks(mine, now);
  for (const auto& id : mine) {
    const auto& s = summaries[id];
    json::array k;
    for (const auto& x : clocks)
      if (x.case_id == id) k.push_back(clock_json(x, nullptr));
    cases.push_back(json::object{{"id", id},
                                 {"phase", s.phase},
                                 {"phase_label", phase_label(s.phase)},
                                 {"kind", s.kind},
                                 {"kind_label", kind_label(s.kind)},
                                 {"clocks", k}});
  }
  // Afspraken: the open agreements of the person's own cases, due first (the
  // overdue ones, longest overdue, at the top).
  auto open = w.d.cases.agreements(mine);
  std::erase_if(open, [](const AgreementView& a) { return !a.open(); });
  std::stable_sort(open.begin(), open.end(),
                   [](const AgreementView& a, const AgreementView& b) { return a.due < b.due; });
  json::array agreements;
  for (const auto& a : open) agreements.push_back(agreement_json(a, now));
  allowed(w, r, r.who->person, std::to_string(ids.size()) + " cases listed");
  return json_response(json::object{
      {"now", ms(now)}, {"pages", pages}, {"cases", cases}, {"agreements", agreements}});
}

HttpResponse case_read(WebContext& w, Request& r) {
  if (auto bad = malformed_case_id(w, r)) return *bad;
  const auto& d = w.d;
  const auto& id = r.id;
  const auto now = d.domain_clock.now();
  auto facts = w.repo.facts(id, r.who->person);
  if (!facts) return refuse(w, r, 404, "not_found", "no such case", id, "no such case");
  const auto may_read = may_read_case(*r.who, *facts, now);
  if (!may_read)
    return refuse(w, r, 403, "forbidden", "not allowed to see this case", id, may_read.reason);
  auto rec = w.repo.load(id, r.who->person);
  if (!rec) return refuse(w, r, 404, "not_found", "no such case", id, "no such case");
  json::array persons, summaries, timeline, clocks, types;
  for (const auto& inc : rec->incidents) {
    if (const auto* ps = inc.body.if_contains("persons"); ps && ps->is_array())
      for (const auto& p : ps->as_array())
        if (p.is_object()) {
          const auto& o = p.as_object();
          const auto phone = text(o, "phone");
          // Tap-to-call inside the case only: the number as a tel: link when
          // it is one (E.164), else none. Never on the board, lists or pushes.
          const auto number = common::normalise_phone(phone);
          persons.push_back(json::object{{"role", text(o, "role")},
                                         {"name", text(o, "name")},
                                         {"phone", phone},
                                         {"tel", number ? "tel:" + *number : ""},
                                         {"address", text(o, "address")}});
        }
    if (auto s = text(inc.body, "summary"); !s.empty()) summaries.emplace_back(s);
  }
  for (const auto& e : rec->timeline) {
    const auto* at = e.if_contains("at");
    json::object t{{"at", at && at->is_number() ? at->to_number<std::int64_t>() : 0},
                   {"type", text(e, "type")},
                   {"text", describe_event(e, d.directory)},
                   {"detail", event_detail(e, d.directory)}};
    if (auto from = text(e, "case"); !from.empty()) {  // of a case joined into this one
      t["case"] = from;
      t["text"] = "[" + from + "] " + std::string(t["text"].as_string());
    }
    timeline.push_back(std::move(t));
  }
  for (const auto& k : d.cases.clocks({id}, now)) clocks.push_back(clock_json(k, &rec->summary));
  json::array incidents;  // kinds and times only: what an event can answer
  for (const auto& inc : rec->incidents)
    incidents.push_back(json::object{{"id", inc.id},
                                     {"kind", inc.kind},
                                     {"kind_label", kind_label(inc.kind)},
                                     {"at", inc.accepted_at}});
  const bool can_record = rec->facts.open && may_record_event(*r.who, rec->facts, now).allowed;
  if (can_record)
    for (const auto& t : d.cases.event_types())
      types.push_back(json::object{{"type", t.type}, {"label", t.label}});
  json::array agreements;  // case content, like the persons: with their text
  for (const auto& a : d.cases.agreements({id})) agreements.push_back(agreement_json(a, now));
  const auto* reg = d.directory.region(rec->summary.region);
  allowed(w, r, id, may_read.reason);
  // A family's messages (issue 18): case content, like the persons.
  json::array family_messages;
  for (const auto& m : w.repo.family_messages(id))
    family_messages.push_back(json::object{
        {"id", m.id},
        {"at", m.at},
        {"urgent", m.urgent},
        {"from", m.from},
        {"text", m.text},
        {"state", m.state},
        {"acknowledged_by", m.acknowledged_by},
        {"acknowledged_by_name", m.acknowledged_by.empty() ? "" : w.name(m.acknowledged_by)}});
  // The family's contact link (issue 18): which one is live, never its secret.
  json::value family_link = nullptr;
  if (can_record)
    if (const auto l = d.cases.family_link(id))
      family_link = json::object{{"id", l->id},
                                 {"created_at", ms(l->created_at)},
                                 {"by", l->by},
                                 {"by_name", w.name(l->by)}};
  json::array previous, joined;
  for (const auto& p : rec->family.previous_cases) previous.emplace_back(p);
  for (const auto& j : rec->family.joined_cases) joined.emplace_back(j);
  return json_response(json::object{
      {"id", id},
      {"previous_cases", previous},
      {"joined_cases", joined},
      {"merged_into", rec->family.merged_into},
      {"can_join", rec->facts.open && may_reassign_case(*r.who, rec->facts, now).allowed},
      {"region", rec->summary.region},
      {"region_name", reg && !reg->name.empty() ? reg->name : rec->summary.region},
      {"phase", rec->summary.phase},
      {"phase_label", phase_label(rec->summary.phase)},
      {"state", rec->summary.state},
      {"casemanager", rec->summary.casemanager},
      {"casemanager_name",
       rec->summary.casemanager.empty() ? "" : w.name(rec->summary.casemanager)},
      {"opened_at", rec->summary.opened_at},
      {"now", ms(now)},
      {"persons", persons},
      {"summaries", summaries},
      {"timeline", timeline},
      {"clocks", clocks},
      {"incidents", incidents},
      {"can_record", can_record},
      {"note_max", kMaxNote},
      {"handover", handover_form(d.cases, id, can_record)},
      {"can_reassign", rec->facts.open && may_reassign_case(*r.who, rec->facts, now).allowed},
      {"event_types", types},
      {"agreements", agreements},
      {"agreement_form", agreement_form(d.cases, rec->summary.region, can_record)},
      {"tracks", tracks_json(w, d.cases.tracks(id, now))},
      {"track_form", track_form(can_record)},
      {"family_messages", family_messages},
      {"can_link", can_record},
      {"family_link", family_link}});
}

HttpResponse case_event(WebContext& w, Request& r) {
  if (auto bad = malformed_case_id(w, r)) return *bad;
  const auto& id = r.id;
  auto facts = w.repo.facts(id, r.who->person);
  if (!facts) return refuse(w, r, 404, "not_found", "no such case", id, "no such case");
  if (auto dec = may_record_event(*r.who, *facts, w.d.domain_clock.now()); !dec)
    return refuse(w, r, 403, "forbidden", "not allowed to record in this case", id, dec.reason);
  auto parsed = body_object(r);
  if (auto* answer = std::get_if<HttpResponse>(&parsed)) return *answer;
  const auto& o = std::get<json::object>(parsed);
  const auto type = text(o, "type");
  const auto note = text(o, "note");
  if (common::utf8_length(note) > kMaxNote)
    return common::error_response(
        422, "too_long", "the note is longer than " + std::to_string(kMaxNote) + " characters",
        "note");
  const auto types = w.d.cases.event_types();
  if (std::none_of(types.begin(), types.end(), [&](const EventType& t) { return t.type == type; }))
    return common::error_response(422, "unknown_event", "unknown event type", "type");
  auto at = w.d.domain_clock.now();
  if (auto local = text(o, "at_local"); !local.empty()) {
    auto t = parse_amsterdam_local(local);
    if (!t)
      return common::error_response(422, "invalid_time", "give the time as YYYY-MM-DDTHH:MM",
                                    "at_local");
    at = *t;
  }
  const auto incident = text(o, "incident");  // optional: which incident this answers
  if (!incident.empty() && !common::is_incident_id(incident))
    return common::error_response(422, "unknown_incident", "no such incident on this case",
                                  "incident");
  Handover handover;
  if (auto bad = handover_fields(o, type, handover)) return *bad;
  return from_outcome(w, r,
                      w.d.cases.record_event(id, r.who->person, type, at, note, incident, handover),
                      id, type);
}

HttpResponse case_reassign(WebContext& w, Request& r) {
  if (auto bad = malformed_case_id(w, r)) return *bad;
  const auto& id = r.id;
  auto facts = w.repo.facts(id, r.who->person);
  if (!facts) return refuse(w, r, 404, "not_found", "no such case", id, "no such case");
  if (auto dec = may_reassign_case(*r.who, *facts, w.d.domain_clock.now()); !dec)
    return refuse(w, r, 403, "forbidden", "not allowed to reassign this case", id, dec.reason);
  auto parsed = body_object(r);
  if (auto* answer = std::get_if<HttpResponse>(&parsed)) return *answer;
  const auto to = text(std::get<json::object>(parsed), "to");
  const auto* p = w.person(to);
  if (!p || p->role != rota::StaffRole::casemanager ||
      std::find(p->regions.begin(), p->regions.end(), facts->region) == p->regions.end())
    return common::error_response(422, "unknown_casemanager", "not a casemanager of the region",
                                  "to");
  if (to == facts->casemanager)
    return common::error_response(422, "same_casemanager", "the case is already theirs", "to");
  return from_outcome(w, r, w.d.cases.reassign(id, to, r.who->person, "team lead"), id, "to " + to);
}

namespace {

// The case's contact link: its casemanager or a team lead of its region
// (may_record_event), while it is open (the case service refuses a closed one).
std::optional<HttpResponse> refused_link(WebContext& w, const Request& r) {
  if (auto bad = malformed_case_id(w, r)) return bad;
  auto facts = w.repo.facts(r.id, r.who->person);
  if (!facts) return refuse(w, r, 404, "not_found", "no such case", r.id, "no such case");
  if (auto dec = may_record_event(*r.who, *facts, w.d.domain_clock.now()); !dec)
    return refuse(w, r, 403, "forbidden", "not allowed to give this case's contact link", r.id,
                  dec.reason);
  return std::nullopt;
}

}  // namespace

HttpResponse case_family_link_create(WebContext& w, Request& r) {
  if (auto no = refused_link(w, r)) return *no;
  const auto made = w.d.cases.make_family_link(r.id, r.who->person);
  if (!made.outcome.ok()) return from_outcome(w, r, made.outcome, r.id, "contact link");
  // The audit trail names the link, never its secret.
  allowed(w, r, r.id,
          "contact link " + made.link.id +
              (made.replaced.empty() ? "" : " (revoked " + made.replaced + ")"));
  confirm_change(w);
  return json_response(json::object{{"id", made.link.id},
                                    {"created_at", ms(made.link.created_at)},
                                    {"by", made.link.by},
                                    {"path", made.path},
                                    {"replaced", made.replaced}},
                       201);
}

HttpResponse case_family_link_revoke(WebContext& w, Request& r) {
  if (auto no = refused_link(w, r)) return *no;
  std::string revoked;
  const auto outcome = w.d.cases.revoke_family_link(r.id, r.who->person, revoked);
  if (!outcome.ok()) return from_outcome(w, r, outcome, r.id, "contact link");
  allowed(w, r, r.id, "contact link " + revoked + " revoked");
  confirm_change(w);
  return json_response(json::object{{"revoked", revoked}});
}

HttpResponse case_join(WebContext& w, Request& r) {
  return join_or_split(w, r, true);
}

HttpResponse case_split(WebContext& w, Request& r) {
  return join_or_split(w, r, false);
}

}  // namespace piket::web::api
