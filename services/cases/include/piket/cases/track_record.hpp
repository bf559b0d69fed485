#pragma once
// What a case keeps about one of its tracks (track.hpp) in case:{id}:tracks
// (track name -> one JSON record): the first contact and the intake on the
// track, or that it does not apply and why — each with who and when. No
// name or free text: the reason is from a fixed list.

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include "piket/cases/agreement_record.hpp"
#include "piket/common/clock.hpp"

namespace piket::cases {

enum class TrackReason { no_children, refuses, unreachable };
std::string_view to_string(TrackReason r);
std::optional<TrackReason> parse_track_reason(std::string_view s);

struct TrackRecord {
  Track track = Track::other;
  std::optional<common::Instant> first_contact_at, intake_at;
  std::string first_contact_by, intake_by;  // "person:{id}"
  // Not applicable (while set): why, since when, by whom.
  std::optional<TrackReason> not_applicable;
  std::optional<common::Instant> not_applicable_at;
  std::string not_applicable_by;

  // Seen: a first contact or an intake on the track (the earlier of them).
  std::optional<common::Instant> seen_at() const {
    if (first_contact_at && intake_at) return std::min(*first_contact_at, *intake_at);
    return first_contact_at ? first_contact_at : intake_at;
  }
};

// The stored record (JSON, times in epoch ms) and back; empty for a record
// that is not one.
std::string to_record_json(const TrackRecord& r);
std::optional<TrackRecord> parse_track_record_json(std::string_view json);

}  // namespace piket::cases
