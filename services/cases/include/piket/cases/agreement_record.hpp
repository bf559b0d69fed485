#pragma once
// An agreement on a case (issue 16): who does what for which track by when —
// with a chain partner, the family or the casemanager — as the case keeps it
// (case:{id}:agreements, one JSON record per agreement). Its text stays inside
// the case: it is never in a page, a log line or the timeline.

#include <optional>
#include <string>
#include <string_view>

#include "piket/common/clock.hpp"

namespace piket::cases {

enum class AgreementState { open, done, missed, cancelled };
std::string_view to_string(AgreementState s);
std::optional<AgreementState> parse_agreement_state(std::string_view s);

// The method's three tracks (perpetrator, victim, children), and other.
enum class Track { perpetrator, victim, children, other };
std::string_view to_string(Track t);
std::optional<Track> parse_track(std::string_view s);

struct Agreement {
  std::string id;        // "A1", "A2", … in the order they were made on the case
  std::string who;       // a chain partner's id, "family" or "casemanager"
  std::string category;  // one of [agreements] categories
  std::string text;      // short, bounded; stays inside the case
  Track track = Track::other;
  common::Instant due;
  AgreementState state = AgreementState::open;
  common::Instant created_at;
  std::string created_by;                     // "person:{id}"
  std::optional<common::Instant> changed_at;  // the state's change (done, missed, cancelled)
  std::string changed_by;
  // A referral (category "referral"): when help was asked and when the partner started.
  std::optional<common::Instant> requested_at, started_at;
  // The Idempotency-Key it was made with (empty: none): the same request sent
  // again finds this agreement instead of making a second one.
  std::string request_key;

  // The waiting time of a referral that started.
  std::optional<common::Millis> waiting() const {
    if (!requested_at || !started_at) return std::nullopt;
    return std::chrono::duration_cast<common::Millis>(*started_at - *requested_at);
  }
};

// The stored record (JSON, times in epoch ms) and back; empty for a record
// that is not one.
std::string to_record_json(const Agreement& a);
std::optional<Agreement> parse_record_json(std::string_view json);

// "A12" → 12; 0 for anything else.
int agreement_number(std::string_view id);

}  // namespace piket::cases
