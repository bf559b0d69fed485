// A case's tracks (issue 16): listed on the case view, and a first contact,
// an intake or "not applicable" recorded on one with the same need to know
// as a case's events; the case service's rules decide (its refusal names the
// field). Roles and fixed reasons only: the audit line names the track and
// what was recorded, never a person of the family.
#include "piket/web/local_time.hpp"
#include "web_api_handlers.hpp"

namespace piket::web::api {
namespace {

constexpr std::string_view kTracks[] = {"perpetrator", "victim", "children", "other"};
constexpr std::string_view kTypes[] = {"first_contact", "intake", "not_applicable"};
constexpr std::string_view kReasons[] = {"no_children", "refuses", "unreachable"};

// A word of the fixed lists as sent, else "?": the audit line never carries
// what a person typed into a field meant for a code.
template <std::size_t N>
std::string known(const std::string& v, const std::string_view (&list)[N]) {
  for (auto k : list)
    if (k == v) return v;
  return "?";
}

template <std::size_t N>
json::array words(const std::string_view (&list)[N]) {
  json::array out;
  for (auto k : list) out.emplace_back(k);
  return out;
}

json::value mark_json(WebContext& w, const std::optional<TrackMarkView>& m) {
  if (!m) return nullptr;
  return json::object{{"at", ms(m->at)}, {"by", m->by}, {"by_name", w.name(m->by)}};
}

}  // namespace

json::array tracks_json(WebContext& w, const std::vector<TrackView>& tracks) {
  json::array out;
  for (const auto& t : tracks) {
    json::object o{{"track", t.track},
                   {"state", t.state},
                   {"first_contact", mark_json(w, t.first_contact)},
                   {"intake", mark_json(w, t.intake)},
                   {"not_applicable", mark_json(w, t.not_applicable)},
                   {"reason", t.reason}};
    if (t.due) {
      o["due_at"] = ms(*t.due);
      o["clock_state"] = t.clock_state;
    }
    out.push_back(std::move(o));
  }
  return out;
}

json::value track_form(bool can_record) {
  if (!can_record) return nullptr;
  return json::object{
      {"tracks", words(kTracks)}, {"types", words(kTypes)}, {"reasons", words(kReasons)}};
}

HttpResponse case_track_record(WebContext& w, Request& r) {
  if (auto bad = refused_record_in_case(w, r)) return *bad;
  auto parsed = body_object(r);
  if (auto* answer = std::get_if<HttpResponse>(&parsed)) return *answer;
  const auto& o = std::get<json::object>(parsed);
  if (auto bad = string_fields(o, {"track", "type", "at_local", "reason"}, "a track's record"))
    return *bad;
  TrackRequest t{text(o, "track"), text(o, "type"), std::nullopt, text(o, "reason")};
  if (const auto at = text(o, "at_local"); !at.empty()) {
    t.at = parse_amsterdam_local(at);
    if (!t.at)
      return common::error_response(422, "invalid_time", "give the time as YYYY-MM-DDTHH:MM",
                                    "at_local");
  }
  auto out = w.d.cases.record_track(r.id, r.who->person, t);
  if (out.refusal && out.refusal->field == "at") out.refusal->field = "at_local";
  return from_outcome(w, r, out, r.id,
                      "track " + known(t.track, kTracks) + " " + known(t.type, kTypes) +
                          (t.reason.empty() ? "" : " " + known(t.reason, kReasons)));
}

}  // namespace piket::web::api
