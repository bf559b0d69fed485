#pragma once
// What the web service asks of the case lifecycle and the deadline engine
// (services/cases) and of paging (notify/inbound): the clocks of cases, the
// escalations that reached a team lead, and the changes people make in the
// app. The web service owns none of this state; it checks access, audits, and
// hands the change to the service that owns it.

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "piket/common/api_refusal.hpp"
#include "piket/common/clock.hpp"
#include "piket/web/agreement_view.hpp"
#include "piket/web/track_view.hpp"

namespace piket::web {

// The longest note an event takes, in characters: the case service's bound
// for an event's reason (service_backend.cpp checks that they are the same).
inline constexpr std::size_t kMaxNote = 2000;

// A handover names who takes over and confirms its conditions (the case
// service's handover.hpp; service_backend.cpp checks that the bounds are the
// same). Who takes over stays inside the case: never in a page or a log line.
inline constexpr std::size_t kMaxReceivingOrganisation = 100;
inline constexpr std::size_t kMaxReceivingRole = 60;
struct Handover {
  std::string organisation;  // receiving organisation
  std::string role;          // receiving role: a function, never a person's name
  bool safety_reached = false;
  bool help_plan_exists = false;
  std::optional<int> checkin_days;  // the check-in cadence after the handover
};
// Any check-in cadence is a whole number of days up to a year; the case's
// deadline policy narrows it (CheckinRange).
inline constexpr int kMaxCheckinDays = 366;
// The check-in cadence a handover of one case may choose, in days (its
// deadline policy's checkin_min_days … checkin_max_days).
struct CheckinRange {
  int min_days = 1;
  int max_days = kMaxCheckinDays;
};

struct ClockView {
  std::string case_id;
  std::string clock;  // plan, first_contact, ban_end, ban_decision, checkin, …
  std::string label;  // "Plan of action (12 h)"
  common::Instant due_at{};
  std::string state;  // running | warning | overdue
  std::string recipient;
  // The incident the clock answers (clocks per incident); empty for the
  // case's own clocks (handover, check-in, evaluation, closing).
  std::string incident;
  std::string incident_kind;  // home_ban, code_red, …
  common::Instant incident_at{};
  // The track a track clock watches (its role: "perpetrator"); else empty.
  std::string track{};
};

struct EscalationView {
  std::string id;
  std::string case_id;
  std::string region;
  std::string clock;  // the clock that ran out (ban_decision, ban_end, plan, …); empty: a page
  std::string label;
  common::Instant at{};
  std::string to;  // the team lead
  // What happened: a page before this one was declined or not answered, or
  // the clock ran out (overdue).
  std::string why{};  // declined | unanswered | overdue
};

// A page nobody has answered yet (not information, not stood down), to
// anyone of the region: the board counts them.
struct UnansweredPage {
  std::string id;
  std::string case_id;
  std::string person;
  common::Instant at{};
};

struct EventType {
  std::string type;   // as the cases service names it
  std::string label;  // for people
};

// An answer to a change: done, or the owning service's refusal to pass on.
struct ActionOutcome {
  ActionOutcome() = default;                                                        // done
  ActionOutcome(common::ApiRefusal r) : status(r.status), refusal(std::move(r)) {}  // refused
  int status = 200;  // 200 when done, else the refusal's
  std::optional<common::ApiRefusal> refusal;
  bool ok() const { return !refusal; }
};

// A case's contact link for the family (issue 18; services/cases
// family_link.hpp): which link, made when and by whom. Its secret is only in
// FamilyLinkMade::path, once: never stored, logged or audited.
struct FamilyLinkView {
  std::string id;
  common::Instant created_at{};
  std::string by;
};
struct FamilyLinkMade {
  ActionOutcome outcome;
  FamilyLinkView link;
  std::string path;      // "/m/<secret>" on the web service's own address
  std::string replaced;  // the id of the link it revoked, or empty
};

class CaseBackend {
 public:
  virtual ~CaseBackend() = default;
  // Running clocks of these cases, most urgent first.
  virtual std::vector<ClockView> clocks(const std::vector<std::string>& case_ids,
                                        common::Instant now) = 0;
  // Escalations to a team lead not yet acknowledged, of one region.
  virtual std::vector<EscalationView> open_escalations(const std::string& region) = 0;
  virtual std::optional<EscalationView> escalation(const std::string& id) = 0;
  // Pages of one region's open cases that nobody has answered yet, oldest
  // first. Backends without paging have none.
  virtual std::vector<UnansweredPage> unanswered_pages(const std::string& /*region*/) { return {}; }
  // What a person can record, in the method's order.
  virtual std::vector<EventType> event_types() const = 0;

  // The check-in cadence a handover of this case may choose (the form's
  // bounds; the case service checks them). Backends without a deadline
  // policy know only the type's bounds.
  virtual CheckinRange checkin_range(const std::string& /*case_id*/) { return {}; }

  // `incident`: for first_contact and plan_of_action, the incident the event
  // answers (empty: the open one due first). `note` is kept whole: at most
  // kMaxNote characters, longer is refused before this is called; on a team
  // lead's handover without both conditions it is the reason. `handover`:
  // only for a handover, its fields checked for type and bounds before this
  // is called; whether it may be recorded is the case service's rule.
  virtual ActionOutcome record_event(const std::string& case_id, const std::string& by,
                                     const std::string& type, common::Instant at,
                                     const std::string& note, const std::string& incident = {},
                                     const Handover& handover = {}) = 0;
  virtual ActionOutcome reassign(const std::string& case_id, const std::string& to,
                                 const std::string& by, const std::string& reason) = 0;
  virtual ActionOutcome acknowledge_escalation(const std::string& id, const std::string& by) = 0;
  // The person is absent (sick) over [since, until): the deadline engine
  // hands their running clocks to the team lead.
  virtual ActionOutcome mark_absent(const std::string& person, common::Instant since,
                                    common::Instant until, const std::string& by) = 0;
  // The person answers a page sent to them; `via_ref` says from where (the
  // session's hash prefix, "session 1a2b3c4d"), recorded with the answer.
  virtual ActionOutcome acknowledge_page(const std::string& page_id, const std::string& person,
                                         const std::string& via_ref = {}) = 0;
  virtual ActionOutcome decline_page(const std::string& page_id, const std::string& person,
                                     const std::string& via_ref = {}) = 0;
  // A team lead joins case `other` of the same family into `case_id`, or
  // splits it off again (services/cases, case_family.hpp). Not offered by
  // backends that do not override them.
  virtual ActionOutcome join_cases(const std::string& /*case_id*/, const std::string& /*other*/,
                                   const std::string& /*by*/, const std::string& /*reason*/) {
    return common::ApiRefusal{501, "not_supported", "joining cases is not offered here", {}};
  }
  virtual ActionOutcome split_case(const std::string& /*case_id*/, const std::string& /*other*/,
                                   const std::string& /*by*/, const std::string& /*reason*/) {
    return common::ApiRefusal{501, "not_supported", "splitting cases is not offered here", {}};
  }

  // Agreements (issue 16; the case service's agreement.hpp). Backends without
  // them have none and offer none.
  // Every agreement of these cases (any state), each case's in the order made.
  virtual std::vector<AgreementView> agreements(const std::vector<std::string>& /*case_ids*/) {
    return {};
  }
  // The region's referrals done with help started since `since` — of open and
  // closed cases alike — from its bounded record (store::referral_waits_key),
  // without loading a case.
  virtual std::vector<ReferralWait> referral_waits(const std::string& /*region*/,
                                                   common::Instant /*since*/) {
    return {};
  }
  // The chain partners and categories an agreement of a case of `region` may name.
  virtual AgreementChoices agreement_choices(const std::string& /*region*/) { return {}; }
  // A new agreement, and an open one settled (done, missed or cancelled); the
  // case service's rules decide, its refusal names the field.
  virtual ActionOutcome record_agreement(const std::string& /*case_id*/, const std::string& /*by*/,
                                         const NewAgreementRequest& /*request*/) {
    return common::ApiRefusal{501, "not_supported", "agreements are not offered here", {}};
  }
  // `started_at`: a referral that is done, when the partner's help started
  // (default now; not in the future, not before it was asked).
  virtual ActionOutcome settle_agreement(const std::string& /*case_id*/, const std::string& /*by*/,
                                         const std::string& /*agreement*/,
                                         const std::string& /*state*/,
                                         std::optional<common::Instant> /*started_at*/ = {}) {
    return common::ApiRefusal{501, "not_supported", "agreements are not offered here", {}};
  }

  // The tracks of a case (issue 16; the case service's track.hpp), in the
  // order perpetrator, victim, children, other, each with its clock while not
  // seen; and a first contact, intake or "not applicable" recorded on one —
  // the case service's rules decide, its refusal names the field. Backends
  // without them have none and offer none.
  virtual std::vector<TrackView> tracks(const std::string& /*case_id*/, common::Instant /*now*/) {
    return {};
  }
  virtual ActionOutcome record_track(const std::string& /*case_id*/, const std::string& /*by*/,
                                     const TrackRequest& /*request*/) {
    return common::ApiRefusal{501, "not_supported", "tracks are not offered here", {}};
  }

  // The case's contact link: the live one, a new one (the old one revoked),
  // or revoked (`revoked`: its id). Who may is checked before these are
  // called (the case's casemanager or a team lead: may_record_event). Not
  // offered by backends that do not override them.
  virtual std::optional<FamilyLinkView> family_link(const std::string& /*case_id*/) {
    return std::nullopt;
  }
  virtual FamilyLinkMade make_family_link(const std::string& /*case_id*/,
                                          const std::string& /*by*/) {
    return {common::ApiRefusal{501, "not_supported", "contact links are not offered here", {}},
            {},
            {},
            {}};
  }
  virtual ActionOutcome revoke_family_link(const std::string& /*case_id*/,
                                           const std::string& /*by*/, std::string& /*revoked*/) {
    return common::ApiRefusal{501, "not_supported", "contact links are not offered here", {}};
  }
};

}  // namespace piket::web
