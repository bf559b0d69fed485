#include "piket/cases/track.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "piket/cases/name_table.hpp"
#include "piket/cases/request_fields.hpp"
#include "piket/common/time_format.hpp"
#include "piket/store/case_record.hpp"

namespace piket::cases {
namespace {

namespace json = boost::json;
using common::ApiRefusal;
using common::Instant;

constexpr NameTable<TrackMark, 3> kMarks{{
    {TrackMark::first_contact, "first_contact"},
    {TrackMark::intake, "intake"},
    {TrackMark::not_applicable, "not_applicable"},
}};

constexpr Track kAllTracks[] = {Track::perpetrator, Track::victim, Track::children, Track::other};

json::value when(const std::optional<Instant>& t, const std::string& by) {
  if (!t) return nullptr;
  return json::object{{"at", common::format_rfc3339(*t)}, {"by", by}};
}

}  // namespace

std::string_view to_string(TrackMark m) {
  return name_of(kMarks, m);
}
std::optional<TrackMark> parse_track_mark(std::string_view s) {
  return value_of(kMarks, s);
}

const TrackRecord* track_record(const CaseState& s, Track t) {
  const auto it = std::find_if(s.tracks.begin(), s.tracks.end(),
                               [t](const TrackRecord& r) { return r.track == t; });
  return it == s.tracks.end() ? nullptr : &*it;
}

std::vector<Track> case_tracks(const CaseState& s) {
  std::vector<Track> out;
  for (const auto t : kAllTracks)
    if (s.role_tracks.count(t) || track_record(s, t)) out.push_back(t);
  return out;
}

std::variant<TrackChange, ApiRefusal> parse_track_change(std::string_view body, Instant now) {
  PIKET_TAKE(o, parse_object(body, {"track", "type", "at", "reason"}, "a track's record"));
  TrackChange c;
  PIKET_TAKE(track, required_string(o, "track"));
  const auto t = parse_track(track);
  if (!t)
    return refuse(422, "unknown_track", "track must be perpetrator, victim, children or other",
                  "track");
  c.track = *t;
  PIKET_TAKE(type, required_string(o, "type"));
  const auto m = parse_track_mark(type);
  if (!m)
    return refuse(422, "unknown_type", "type must be first_contact, intake or not_applicable",
                  "type");
  c.mark = *m;
  PIKET_TAKE(at, past_time_field(o, "at", now));
  c.at = at.value_or(now);
  PIKET_TAKE(reason, string_field(o, "reason", false));
  if (c.mark != TrackMark::not_applicable) {
    if (reason)
      return refuse(422, "not_not_applicable", "reason belongs to type not_applicable only",
                    "reason");
    return c;
  }
  if (!reason)
    return refuse(422, "required", "reason is required when the track does not apply", "reason");
  c.reason = parse_track_reason(*reason);
  if (!c.reason)
    return refuse(422, "unknown_reason", "reason must be no_children, refuses or unreachable",
                  "reason");
  if (*c.reason == TrackReason::no_children && c.track != Track::children)
    return refuse(422, "not_the_children_track", "no_children is a reason for the children track",
                  "reason");
  return c;
}

std::variant<TrackWrite, ApiRefusal> change_track(const CaseState& s, const TrackChange& c,
                                                  const Actor& actor, Instant now) {
  if (s.phase == Phase::closed) return refuse(409, "case_closed", "the case is closed");
  if (c.at < s.opened_at)
    return refuse(422, "before_case_opened", "at lies before the case was registered", "at");
  TrackRecord r;
  r.track = c.track;
  if (const auto* old = track_record(s, c.track)) r = *old;
  const auto by = store::by_person(actor.person);
  switch (c.mark) {
    case TrackMark::first_contact:
      if (r.first_contact_at)
        return refuse(409, "already_recorded", "this track's first contact is recorded already",
                      "type");
      r.first_contact_at = c.at;
      r.first_contact_by = by;
      break;
    case TrackMark::intake:
      if (r.intake_at)
        return refuse(409, "already_recorded", "this track's intake is recorded already", "type");
      r.intake_at = c.at;
      r.intake_by = by;
      break;
    case TrackMark::not_applicable:
      if (r.not_applicable == c.reason)
        return refuse(409, "already_recorded", "the track is recorded as not applicable already",
                      "reason");
      r.not_applicable = c.reason;
      r.not_applicable_at = c.at;
      r.not_applicable_by = by;
      break;
  }
  // Seen after all: the track applies again.
  if (c.mark != TrackMark::not_applicable) {
    r.not_applicable.reset();
    r.not_applicable_at.reset();
    r.not_applicable_by.clear();
  }
  TrackWrite w;
  w.after = s;
  auto it = std::find_if(w.after.tracks.begin(), w.after.tracks.end(),
                         [&](const TrackRecord& x) { return x.track == r.track; });
  if (it == w.after.tracks.end())
    w.after.tracks.push_back(r);
  else
    *it = r;
  // Seeing a track is the casemanager's activity on the case.
  if (c.mark != TrackMark::not_applicable && c.at > s.last_activity_at) {
    w.after.last_activity_at = c.at;
    w.fields.emplace_back("last_activity_at", std::to_string(common::to_epoch_ms(c.at)));
  }
  json::object ev;
  ev["at"] = common::to_epoch_ms(c.at);
  ev["type"] = "track";
  ev["track"] = std::string(to_string(c.track));
  ev["mark"] = std::string(to_string(c.mark));
  if (c.reason) ev["reason"] = std::string(to_string(*c.reason));
  ev["by"] = by;
  ev["recorded_at"] = common::to_epoch_ms(now);
  w.timeline_json = json::serialize(ev);
  w.record = std::move(r);
  w.mark = c.mark;
  return w;
}

std::string tracks_view_json(const CaseState& s) {
  json::array list;
  for (const auto t : case_tracks(s)) {
    json::object o;
    o["track"] = std::string(to_string(t));
    o["from_roles"] = s.role_tracks.count(t) > 0;
    const auto* r = track_record(s, t);
    const bool na = r && r->not_applicable;
    const bool seen = r && r->seen_at();
    o["state"] = na ? "not_applicable" : seen ? "seen" : "not_seen";
    o["first_contact"] = r ? when(r->first_contact_at, r->first_contact_by) : json::value(nullptr);
    o["intake"] = r ? when(r->intake_at, r->intake_by) : json::value(nullptr);
    if (na)
      o["not_applicable"] = json::object{{"reason", std::string(to_string(*r->not_applicable))},
                                         {"at", common::format_rfc3339(*r->not_applicable_at)},
                                         {"by", r->not_applicable_by}};
    else
      o["not_applicable"] = nullptr;
    list.push_back(std::move(o));
  }
  return json::serialize(list);
}

}  // namespace piket::cases
