#pragma once
// An agreement on a case (issue 16: who does what for which track by when) as
// the web service shows it, and what a new one asks. The case service owns
// them (services/cases agreement.hpp); CaseBackend reads and changes them.
// The text stays inside the case: never on the board, in a page or a log line.

#include <optional>
#include <string>
#include <vector>

#include "piket/common/clock.hpp"

namespace piket::web {

// The case service's bound for an agreement's text (service_backend.cpp
// checks that they are the same).
inline constexpr std::size_t kMaxAgreementText = 280;

struct AgreementView {
  std::string case_id;
  std::string region;        // the case's
  std::string id;            // "A3"
  std::string who;           // a chain partner's id, "family" or "casemanager"
  std::string partner_name;  // the chain partner's, from the configuration; else empty
  std::string category;      // one of the configured categories
  std::string text;          // inside the case only
  std::string track;         // perpetrator, victim, children or other
  std::string state;         // open, done, missed or cancelled
  common::Instant due{};
  common::Instant created_at{};
  std::optional<common::Instant> changed_at;
  // A referral: when help was asked, and when the partner started it.
  std::optional<common::Instant> requested_at, started_at;

  bool open() const { return state == "open"; }
  bool overdue(common::Instant now) const { return open() && due <= now; }
  // A referral's waiting time (asked → help started), when it started.
  std::optional<common::Millis> waiting() const {
    if (!requested_at || !started_at) return std::nullopt;
    return std::chrono::duration_cast<common::Millis>(*started_at - *requested_at);
  }
};

// A referral done, as its region's record of finished waits keeps it
// (store::referral_waits_key): which, with whom, how long it waited.
struct ReferralWait {
  std::string case_id;
  std::string agreement;  // "A3"
  std::string partner;    // the chain partner's id
  common::Millis wait{};  // asked → help started
  common::Instant started_at{};
};

// A chain partner of a region, as the configuration names it.
struct ChainPartnerView {
  std::string id;
  std::string name;
  std::string kind;  // addiction_care, youth_care, …
  std::string region;
};

// What the agreement form offers for a case's region.
struct AgreementChoices {
  std::vector<ChainPartnerView> partners;
  std::vector<std::string> categories;
};

// A new agreement as the app sends it; its fields are the case service's to
// check (a refusal names the field).
struct NewAgreementRequest {
  std::string who;
  std::string category;
  std::string text;
  std::string track;
  common::Instant due{};
  std::string request_key;  // the Idempotency-Key header; empty: none
};

}  // namespace piket::web
