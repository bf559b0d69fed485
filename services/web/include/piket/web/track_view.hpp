#pragma once
// A case's track (issue 16: perpetrator, victim, children, other — each talked
// with separately) as the web service shows it, and what recording on one asks.
// The case service owns the tracks and their rules (services/cases track.hpp);
// CaseBackend reads and changes them. Roles and fixed reasons only: no name or
// free text is on a track.

#include <optional>
#include <string>

#include "piket/common/clock.hpp"

namespace piket::web {

// Who recorded something on a track, and when.
struct TrackMarkView {
  common::Instant at{};
  std::string by;  // the person's id
};

struct TrackView {
  std::string track;  // perpetrator, victim, children or other
  std::string state;  // not_seen, seen or not_applicable
  std::optional<TrackMarkView> first_contact, intake, not_applicable;
  std::string reason;  // not_applicable: no_children, refuses or unreachable
  // The track's clock while it is not seen: due and its state (running,
  // warning or overdue); none for a track without a clock (other).
  std::optional<common::Instant> due;
  std::string clock_state;
};

// A first contact, an intake or "not applicable" (with its reason) on one
// track, as the app sends it; its fields are the case service's to check.
struct TrackRequest {
  std::string track;
  std::string type;                   // first_contact, intake or not_applicable
  std::optional<common::Instant> at;  // default now
  std::string reason;                 // not_applicable only
};

}  // namespace piket::web
