#pragma once
// What the deadline engine knows about a case: a plain value, loaded from
// Redis by the store and handed to the pure evaluate(). Every clock is a
// function of these facts and the time.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "piket/cases/agreement_record.hpp"
#include "piket/cases/phase.hpp"
#include "piket/cases/track_record.hpp"
#include "piket/common/clock.hpp"
#include "piket/common/records.hpp"

namespace piket::cases {

struct IncidentFacts {
  std::string id;
  common::IncidentKind kind = common::IncidentKind::home_ban;
  common::Instant accepted_at;
  std::string status;  // accepted | dispatched | acknowledged | escalated
  std::optional<common::Instant> ban_ends_at;
  std::optional<common::Instant> ban_starts_at;
  // What the casemanager recorded for this incident (an event's `incident`):
  // the first contact (going out) and the plan, new or revised.
  std::optional<common::Instant> contact_at, plan_at;
};

// A reminder page the engine watches (case:{id}:reminders): one that is not
// acknowledged in time goes to the team lead (DeadlinePolicy::reminder_ack).
struct ReminderPage {
  std::string page;  // empty: nobody could be paged
  std::string person;
  bool acknowledged = false;
};

// An explicit absence of the case's casemanager (POST /v1/people/{id}/absence).
struct Absence {
  std::string person;
  common::Instant since;
  std::optional<common::Instant> until;
  bool covers(common::Instant t) const { return since <= t && (!until || t < *until); }
};

// The case's home ban as ingest keeps it (common/ban_script.hpp): its first
// start, its current end, and whether it is still in force (else lifted).
struct BanFacts {
  common::Instant first_start;
  common::Instant end;
  bool in_force = true;
  // The partner's UTC offsets at the first start and the current end.
  std::chrono::minutes first_offset{0};
  std::chrono::minutes end_offset{0};

  // The ban cannot be extended any more: an end one minute later would
  // break the 28 days from its first start (the acceptance rule of
  // common/ban_script.hpp: 28 × 24 h, or up to an hour more when the
  // wall-clock length in the partner's offsets is within 28 days).
  bool at_maximum() const {
    constexpr auto max = std::chrono::hours{24 * 28};
    const auto later = end + std::chrono::minutes{1};
    const auto absolute = later - first_start;
    const auto wall = (later + end_offset) - (first_start + first_offset);
    const bool allowed =
        absolute <= max || (wall <= max && absolute <= max + std::chrono::hours{1});
    return !allowed;
  }
};

struct CaseState {
  std::string id;
  std::string region;
  common::Instant opened_at;
  Phase phase = Phase::registered;
  common::Instant phase_at;              // when the current phase began
  std::string casemanager;               // empty: none assigned yet
  std::vector<IncidentFacts> incidents;  // in acceptance order
  std::optional<common::Instant> first_contact_at, intake_at, plan_at, help_at, handover_at,
      monitoring_at, evaluation_at, closed_at;
  // The last event a casemanager recorded (opened_at before the first one).
  common::Instant last_activity_at;
  std::optional<Absence> absence;                 // of `casemanager`, if any is recorded
  std::set<std::string> fired;                    // idempotency keys of the actions taken
  std::map<std::string, ReminderPage> reminders;  // by the reminder step's key
  long long version = 0;                          // timeline length when loaded
  std::optional<BanFacts> ban;                    // case:{id} ban_first_start, ban_end, ban_state
  // Families (case_family.hpp): the case this one was joined into (its state
  // is then "merged" and it runs no clocks), the cases joined into this one,
  // and the family's earlier cases (newest first) when it returned after one
  // closed.
  std::string merged_into;
  std::vector<std::string> joined_cases;
  std::vector<std::string> previous_cases;
  // The check-in cadence in days chosen at handover (handover.hpp); unset:
  // the policy's checkin_monitoring_days.
  std::optional<int> checkin_days;
  // Agreements on the case (agreement.hpp), in the order they were made.
  std::vector<Agreement> agreements;
  // The tracks (track.hpp): those the incidents' person roles name (roles
  // only, never a person), and what was recorded per track.
  std::set<Track> role_tracks;
  std::vector<TrackRecord> tracks;

  // The kind of the incident that opened the case.
  std::optional<common::IncidentKind> opening_kind() const {
    if (incidents.empty()) return std::nullopt;
    return incidents.front().kind;
  }
};

}  // namespace piket::cases
