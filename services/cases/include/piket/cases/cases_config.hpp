#pragma once
// The cases service's sections of the deployment file: [cases] and
// [deadlines] with its [[deadlines.rules]] (docs/configuration.md, "Who
// parses what"; docs/deadlines.md).

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "piket/common/config.hpp"

namespace piket::cases {

// The cases service: the case API and the deadline engine (services/cases).
struct CasesConfig {
  common::HostPort http{"127.0.0.1", 8085};
  int threads = 2;
  // How often the engine looks for due timers (and so follows a moved clock).
  common::Millis poll{10};
  // A closed case keeps its family's household key this many days (24-hour
  // days from closing): a new incident then opens a new case linked to the
  // earlier ones and offered first to the earlier casemanager. 0: no link.
  int household_link_days = 730;
};

// Which clocks a later incident starts on an open case (DeadlinePolicy).
struct IncidentClocks {
  bool first_contact = false;  // go out: first contact within first_contact_minutes
  bool plan = false;           // a plan, new or revised, within plan_hours
  friend bool operator==(const IncidentClocks&, const IncidentClocks&) = default;
};

// The clocks of a case (docs/deadlines.md). Hour and minute values are exact
// elapsed time; day values are calendar days in Europe/Amsterdam (a day
// across a DST change lasts 23 or 25 hours and keeps the wall-clock time).
// (No acknowledgement clock: paging escalates an unacknowledged page,
// docs/paging.md "Escalation".)
struct DeadlinePolicy {
  common::Millis first_contact{std::chrono::hours{3}};
  common::Millis first_contact_grace{std::chrono::hours{1}};
  common::Millis plan{std::chrono::hours{12}};
  std::vector<common::Millis> plan_warnings{std::chrono::hours{8}, std::chrono::hours{11}};
  common::Millis ban_decision_before{std::chrono::hours{48}};
  bool ban_end_notice = true;
  int handover_warn_days = 91;
  int handover_due_days = 122;
  int checkin_intensive_days = 5;
  int checkin_monitoring_days = 30;
  int stall_grace_intensive_days = 2;
  int stall_grace_monitoring_days = 7;
  int evaluation_days = 182;
  int evaluation_remind_days = 14;
  int evaluation_grace_days = 30;
  int closing_days = 365;
  int closing_grace_days = 14;
  // Clocks an incident of this kind starts on a case that is already open
  // (the incident that opens a case always starts first contact and plan).
  // Unset: the kind's own default (docs/deadlines.md, "Clocks per incident").
  std::optional<IncidentClocks> incident_clocks;
  // A reminder to the casemanager that asks for acknowledgement and is not
  // acknowledged this long after it was due goes to the team lead (0: off).
  common::Millis reminder_ack{std::chrono::hours{24}};
  // An evaluation counts for the six-month clock only from this many
  // calendar days after registration (earlier ones stay on the timeline).
  int evaluation_from_days = 152;
  // [deadlines] only: incidents accepted before this instant (the upgrade to
  // clocks per incident) start no first-contact or plan clock of their own.
  std::optional<common::Instant> incident_clocks_since;
  // An open agreement past its due time goes to the team lead this long after
  // the reminder to the casemanager (agreement.hpp).
  common::Millis agreement_grace{std::chrono::hours{24}};
  // The bounds of the check-in cadence a handover may choose for its case
  // (handover.hpp); without a choice, checkin_monitoring_days.
  int checkin_min_days = 1;
  int checkin_max_days = 60;
  // The three tracks (track.hpp): each track of the case seen within this many
  // days of the case's first contact, else the casemanager is reminded and
  // the team lead paged track_grace later.
  int track_days = 7;
  common::Millis track_grace{std::chrono::hours{24}};
  // Cases whose first contact was recorded before this instant run no track
  // clock ([deadlines] only): set it to the time of the upgrade to tracks, so
  // that open cases do not all page at once for tracks nobody could record.
  std::optional<common::Instant> track_clocks_since;
};

// A [[deadlines.rules]] entry: the policy for a region, an incident kind, or
// both. Keys it leaves out take the [deadlines] values.
struct DeadlineRule {
  std::string region;  // empty: any region
  std::string kind;    // empty: any incident kind
  DeadlinePolicy policy;
};

// [deadlines] and its rules.
struct DeadlinesConfig {
  DeadlinePolicy defaults;
  std::vector<DeadlineRule> rules;

  // The most specific rule for (region, incident kind): both > kind > region
  // > the [deadlines] defaults.
  const DeadlinePolicy& policy(std::string_view region, std::string_view kind) const;
};

// [cases].
CasesConfig parse_cases(common::TomlReader& r);
// [deadlines]; the regions of its rules must be among `region_ids`.
// `ack_timeout_minutes` (the acknowledgement clock this section had before
// paging owned acknowledgement) is refused with a pointer to [escalation].
DeadlinesConfig parse_deadlines(common::TomlReader& r, const std::set<std::string>& region_ids);

}  // namespace piket::cases
