#include "piket/cases/case_view.hpp"

#include <boost/json.hpp>

#include "piket/cases/track.hpp"
#include "piket/common/time_format.hpp"

namespace piket::cases {
namespace {

namespace json = boost::json;

json::value when(std::optional<common::Instant> t) {
  if (!t) return nullptr;
  return json::value(common::format_rfc3339(*t));
}

}  // namespace

std::string case_json(const CaseState& s, const Evaluation& ev, const EngineRules& rules,
                      common::Instant now) {
  json::object o;
  o["case_id"] = s.id;
  o["as_of"] = common::format_rfc3339(now);
  o["region"] = s.region;
  o["phase"] = std::string(to_string(s.phase));
  o["phase_since"] = common::format_rfc3339(s.phase_at);
  o["opened_at"] = common::format_rfc3339(s.opened_at);
  o["casemanager"] = s.casemanager.empty() ? json::value(nullptr) : json::value(s.casemanager);
  const bool absent = s.absence && s.absence->person == s.casemanager && s.absence->covers(now);
  o["casemanager_absent"] = absent;
  o["last_activity_at"] = common::format_rfc3339(s.last_activity_at);
  o["evaluation_at"] = when(s.evaluation_at);
  json::array incidents;
  for (const auto& i : s.incidents) {
    json::object io;
    io["incident_id"] = i.id;
    io["kind"] = std::string(common::to_string(i.kind));
    io["status"] = i.status;
    io["accepted_at"] = common::format_rfc3339(i.accepted_at);
    io["ban_ends_at"] = when(i.ban_ends_at);
    io["contact_at"] = when(i.contact_at);
    io["plan_at"] = when(i.plan_at);
    incidents.push_back(std::move(io));
  }
  o["incidents"] = std::move(incidents);
  // The family (case_family.hpp): joined into another case, cases joined into
  // this one, earlier cases of a returning family (newest first).
  o["merged_into"] = s.merged_into.empty() ? json::value(nullptr) : json::value(s.merged_into);
  o["joined_cases"] = json::value_from(s.joined_cases);
  o["previous_cases"] = json::value_from(s.previous_cases);
  // The home ban as one thing (common/ban_script.hpp).
  if (s.ban)
    o["home_ban"] = json::object{{"first_start", common::format_rfc3339(s.ban->first_start)},
                                 {"ends_at", common::format_rfc3339(s.ban->end)},
                                 {"state", s.ban->in_force ? "in_force" : "lifted"}};
  else
    o["home_ban"] = nullptr;
  // The three tracks (track.hpp): roles and what was recorded, never a person.
  o["tracks"] = json::parse(tracks_view_json(s));
  json::array clocks;
  for (const auto& c : ev.clocks) {
    json::object co;
    co["clock"] = std::string(to_string(c.clock));
    if (!c.incident.empty()) {
      co["incident"] = c.incident;
      // Which incident the clock answers: its kind and when it was accepted.
      for (const auto& i : s.incidents)
        if (i.id == c.incident) {
          co["incident_kind"] = std::string(common::to_string(i.kind));
          co["incident_at"] = common::format_rfc3339(i.accepted_at);
        }
    }
    if (!c.agreement.empty()) co["agreement"] = c.agreement;
    if (!c.track.empty()) co["track"] = c.track;
    co["due"] = common::format_rfc3339(c.due);
    co["state"] = std::string(to_string(c.state));
    if (c.met_at) co["met_at"] = common::format_rfc3339(*c.met_at);
    if (c.next) {
      json::object n;
      n["step"] = c.next->name;
      n["due"] = common::format_rfc3339(c.next->due);
      n["role"] = std::string(to_string(c.next->role));
      const auto to = recipient_of(s, rules, c.next->role, now);
      n["to"] = to.empty() ? json::value(nullptr) : json::value(to);
      co["next_step"] = std::move(n);
    }
    json::array taken;
    for (const auto& t : c.taken) taken.push_back(json::value(t));
    co["steps_taken"] = std::move(taken);
    clocks.push_back(std::move(co));
  }
  o["clocks"] = std::move(clocks);
  json::array overdue;
  for (const auto k : ev.overdue()) overdue.push_back(json::value(std::string(to_string(k))));
  o["overdue"] = std::move(overdue);
  o["next_wakeup"] = when(ev.next_wakeup);
  return json::serialize(o);
}

}  // namespace piket::cases
