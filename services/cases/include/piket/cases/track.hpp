#pragma once
// The method's three tracks on a case (issue 16): perpetrator, victim and
// children, each talked with separately (method description; Venlo), and
// other. A case knows its tracks from its incidents' person roles (roles
// only: no name, phone or free text reaches the tracks or their clock) and
// from what was recorded on a track. Per track the casemanager records the
// first contact and the intake (who, when), or that the track does not apply
// with a reason from a fixed list. Rules (docs/deadlines.md, "Tracks"):
//   - track: perpetrator, victim, children or other;
//   - type: first_contact | intake (each once per track) | not_applicable
//     (reason: no_children — the children track only —, refuses, unreachable);
//     a later first contact or intake on a track that did not apply makes it
//     apply again;
//   - at (default now): not in the future, not before the case opened;
//   - each change on the timeline with who and when. A track not seen is a
//     clock (engine.hpp), for every track of the case — "other" too.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "piket/cases/case_events.hpp"
#include "piket/cases/case_state.hpp"
#include "piket/cases/track_record.hpp"
#include "piket/common/api_refusal.hpp"

namespace piket::cases {

enum class TrackMark { first_contact, intake, not_applicable };
std::string_view to_string(TrackMark m);
std::optional<TrackMark> parse_track_mark(std::string_view s);

// The case's tracks: from its incidents' roles and from its records, in the
// order perpetrator, victim, children, other.
std::vector<Track> case_tracks(const CaseState& s);
// The record of a track, if anything was recorded on it.
const TrackRecord* track_record(const CaseState& s, Track t);

struct TrackChange {
  Track track = Track::other;
  TrackMark mark = TrackMark::first_contact;
  common::Instant at;                 // default now
  std::optional<TrackReason> reason;  // not_applicable only
};

// The body {track, type[, at][, reason]}; unknown fields are refused.
std::variant<TrackChange, common::ApiRefusal> parse_track_change(std::string_view body,
                                                                 common::Instant now);

// What a change writes.
struct TrackWrite {
  CaseState after;  // the case with the record (for the new timers)
  TrackRecord record;
  TrackMark mark = TrackMark::first_contact;                // what was recorded on it
  std::vector<std::pair<std::string, std::string>> fields;  // case hash fields to set
  std::string timeline_json;
};

std::variant<TrackWrite, common::ApiRefusal> change_track(const CaseState& state,
                                                          const TrackChange& change,
                                                          const Actor& actor, common::Instant now);

// The case's tracks as the API shows them: [{track, from_roles, state
// (not_seen | seen | not_applicable), first_contact, intake, not_applicable}].
std::string tracks_view_json(const CaseState& s);

}  // namespace piket::cases
