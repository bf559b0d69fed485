#pragma once
// Making and settling agreements on a case (POST /v1/cases/{id}/agreements and
// /v1/cases/{id}/agreements/state), checked as a pure function of the case,
// the actor, the chain partners and the time — like case events
// (case_events.hpp): a refused request changes nothing and names the field at
// fault. Rules (docs/deadlines.md, "Agreements"):
//   - who: a chain partner of the case's region, "family" or "casemanager";
//   - category: one of [agreements] categories; "referral" asks a chain
//     partner to start help and records when it was asked (requested_at,
//     default now) and, when done, when help started (started_at) — the
//     partner's waiting time;
//   - text: 1-280 characters, stays inside the case (never in a page, a log
//     line or the timeline);
//   - track: perpetrator, victim, children or other;
//   - due_by: after now, at most 366 days ahead;
//   - states: open → done | missed | cancelled, once; each change is on the
//     timeline with who and when. An open agreement is a clock (engine.hpp).
//   - at most kMaxAgreements per case.
//   - Idempotency-Key (optional header, common/idempotency_key.hpp): a new agreement
//     sent again with the key it was made with is answered with that
//     agreement and nothing is written (`replay`); the same key with another
//     agreement, or from another person, is refused (409
//     idempotency_conflict). The key is kept in the agreement's record, so
//     it is bounded as the case's agreements are.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "piket/cases/agreement_record.hpp"
#include "piket/cases/case_events.hpp"
#include "piket/cases/case_state.hpp"
#include "piket/cases/chain_config.hpp"
#include "piket/common/api_refusal.hpp"

namespace piket::cases {

inline constexpr std::size_t kMaxAgreementText = 280;
inline constexpr std::size_t kMaxAgreements = 100;
inline constexpr int kMaxAgreementDays = 366;

struct NewAgreement {
  std::string who;
  std::string category;
  std::string text;
  Track track = Track::other;
  common::Instant due;
  std::optional<common::Instant> requested_at;  // referral only
  std::string request_key;                      // the Idempotency-Key; empty: none
};

struct AgreementStateChange {
  std::string agreement;  // "A3"
  AgreementState state = AgreementState::done;
  common::Instant at;                         // default now
  std::optional<common::Instant> started_at;  // a referral that is done
};

// The bodies; unknown fields are refused.
std::variant<NewAgreement, common::ApiRefusal> parse_new_agreement(std::string_view body,
                                                                   common::Instant now);
std::variant<AgreementStateChange, common::ApiRefusal> parse_agreement_change(std::string_view body,
                                                                              common::Instant now);

// What a new agreement or a change writes.
struct AgreementWrite {
  CaseState after;  // the case with the agreement (for the new timers)
  Agreement agreement;
  bool fresh = false;   // a new agreement (else a change of one)
  bool replay = false;  // made before with the same Idempotency-Key: nothing to write
  std::vector<std::pair<std::string, std::string>> fields;  // case hash fields to set
  std::string timeline_json;
};

std::variant<AgreementWrite, common::ApiRefusal> make_agreement(const CaseState& state,
                                                                const NewAgreement& request,
                                                                const Actor& actor,
                                                                const ChainConfig& chain,
                                                                common::Instant now);
std::variant<AgreementWrite, common::ApiRefusal> change_agreement(
    const CaseState& state, const AgreementStateChange& request, const Actor& actor,
    common::Instant now);

// The agreement as the API shows it (with its text: the caller may read the case).
std::string agreement_view_json(const Agreement& a, const ChainConfig& chain, common::Instant now);

}  // namespace piket::cases
