#pragma once
// The case aggregate and its timeline (owner: piket-cases; ingest creates a
// case and appends to it in its acceptance script — docs/data-model.md).

#include <cstddef>
#include <string>
#include <string_view>

#include "piket/store/keys_util.hpp"

namespace piket::store {

// case:{id}: hash, the case.
inline std::string case_key(std::string_view id) {
  return detail::join({"case", id});
}
// The SCAN MATCH pattern of every case hash (case ids are C + 8 characters),
// and the case id of a key it matched ("" for any other key).
inline std::string case_scan_pattern() {
  return case_key("C????????");
}
inline std::string case_id_of_key(std::string_view key) {
  const auto prefix = case_key("");
  return key.starts_with(prefix) ? std::string(key.substr(prefix.size())) : std::string();
}
// case:{id}:timeline: list of JSON events {at, type, by, …}, append-only.
inline std::string case_timeline_key(std::string_view id) {
  return detail::join({"case", id, "timeline"});
}
// case:{id}:incidents: list of incident ids.
inline std::string case_incidents_key(std::string_view id) {
  return detail::join({"case", id, "incidents"});
}
// case:{id}:ban: list, the home ban's history.
inline std::string case_ban_key(std::string_view id) {
  return detail::join({"case", id, "ban"});
}
// case:{id}:fired: set, the deadline steps taken.
inline std::string case_fired_key(std::string_view id) {
  return detail::join({"case", id, "fired"});
}
// case:{id}:reminders: hash, reminder step -> "<page id> <person>".
inline std::string case_reminders_key(std::string_view id) {
  return detail::join({"case", id, "reminders"});
}
// case:{id}:agreements: hash, agreement id ("A1", …) -> its JSON record.
inline std::string case_agreements_key(std::string_view id) {
  return detail::join({"case", id, "agreements"});
}
// case:{id}:tracks: hash, track ("perpetrator", "victim", "children", "other")
// -> its JSON record (first contact, intake, not applicable; who and when).
inline std::string case_tracks_key(std::string_view id) {
  return detail::join({"case", id, "tracks"});
}
// case:{id}:timers: string, the case's members of deadlines:due.
inline std::string case_timers_key(std::string_view id) {
  return detail::join({"case", id, "timers"});
}
// cases:open: set of open case ids. cases:monitoring: the open cases in
// handover or monitoring (kept by store/lua/lib/cases_monitoring_refresh.lua).
inline constexpr std::string_view kCasesOpen = "cases:open";
inline constexpr std::string_view kCasesMonitoring = "cases:monitoring";
// deadlines:due: zset, the deadline engine's timers (common/deadline_timers.hpp).
inline constexpr std::string_view kDeadlinesDue = "deadlines:due";
// caseload:{person}: set, the open case ids a casemanager holds.
inline std::string caseload_key(std::string_view person) {
  return detail::join({"caseload", person});
}
// returns:{region}: zset, returning families' new cases -> opened_at.
inline std::string returns_key(std::string_view region) {
  return detail::join({"returns", region});
}
// referral_waits:{region}: zset, the region's finished referral waits (issue
// 16: asked → help started, of open and closed cases alike), member
// "{case} {agreement} {partner} {wait_ms}" -> started_at (domain ms); written
// by cases_agreement.lua when a referral is done, kept to the last
// kReferralWaitWindowDays (by the change's time) and at most kReferralWaitsMax.
inline std::string referral_waits_key(std::string_view region) {
  return detail::join({"referral_waits", region});
}
inline constexpr int kReferralWaitWindowDays = 365;
inline constexpr std::size_t kReferralWaitsMax = 50000;
// person:{id}:absence: hash, an explicit absence.
inline std::string person_absence_key(std::string_view person) {
  return detail::join({"person", person, "absence"});
}
// The `by` of a timeline entry (and of a case's merged_by, an absence's by)
// that a person caused: "person:{id}" — the actor's label, not a key.
inline std::string by_person(std::string_view person) {
  return detail::join({"person", person});
}
// The member of deadlines:due that asks the deadline engine to evaluate a case
// again (lib/deadline_resync.lua).
inline std::string deadline_resync_member(std::string_view case_id) {
  return std::string(case_id) + "|resync";
}

}  // namespace piket::store
