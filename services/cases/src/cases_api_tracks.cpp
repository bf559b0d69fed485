// A case's tracks (track.hpp): the list with their state and clocks, and a
// first contact, an intake or "not applicable" recorded on one — with the same
// need to know as the case's events (reading needs `read`, recording
// `record`), each change on the timeline.
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "cases_api_handlers.hpp"
#include "cases_api_write.hpp"
#include "piket/cases/case_audit.hpp"
#include "piket/cases/track.hpp"
#include "piket/common/time_format.hpp"

namespace piket::cases::api {
namespace {

namespace json = boost::json;

// {case_id, tracks}: the case's tracks as tracks_view_json shows them, each
// with its clock (due, state, next step) when it has one.
json::object tracks_json(const CaseState& s, const EngineRules& rules, common::Instant now) {
  auto list = json::parse(tracks_view_json(s)).as_array();
  const auto ev = evaluate(s, rules, now);
  for (auto& t : list) {
    auto& o = t.as_object();
    o["clock"] = nullptr;
    for (const auto& c : ev.clocks) {
      if (c.clock != ClockKind::track || std::string_view(o.at("track").as_string()) != c.track)
        continue;
      json::object co{{"due", common::format_rfc3339(c.due)},
                      {"state", std::string(to_string(c.state))}};
      if (c.next) co["next_step"] = c.next->name;
      o["clock"] = std::move(co);
    }
  }
  json::object out;
  out["case_id"] = s.id;
  out["tracks"] = std::move(list);
  return out;
}

}  // namespace

HttpResponse case_tracks(CasesContext& c, const Request& r) {
  auto loaded = readable_case(c, r.actor, r.id);
  if (auto* refusal = std::get_if<common::ApiRefusal>(&loaded))
    return common::to_response(*refusal);
  c.reads.Increment();
  return ok(200, json::serialize(
                     tracks_json(std::get<CaseState>(loaded), c.d.rules, c.d.domain_clock.now())));
}

HttpResponse case_track_record(CasesContext& c, const Request& r) {
  return write_case(
      c, r, parse_track_change,
      [&](const CaseState& s, const TrackChange& t, common::Instant now) {
        return change_track(s, t, r.actor, now);
      },
      [&](const CaseState& state, const TrackWrite& w, const std::vector<Step>& timers) {
        return c.d.store.write_track(r.id, state.version, w, timers);
      },
      [&](const TrackWrite& w, common::Instant now) {
        // Which track and what, by whom: roles only, never a person.
        spdlog::info("case {}: track {} recorded by {}", r.id, to_string(w.record.track),
                     r.actor.person);
        if (c.d.audit) c.d.audit(track_audit(r.actor, r.id, w, r.http.remote));
        auto o = tracks_json(w.after, c.d.rules, now);
        o["event"] = json::parse(w.timeline_json);
        return ok(200, json::serialize(o));
      });
}

}  // namespace piket::cases::api
