#pragma once
// Need to know for case data: the one rule that the web app (services/web) and
// the case API (services/cases) both call, as a pure function of who asks,
// what the case is, its pages and the time. docs/web.md, "Need to know":
//
//   - the case's casemanager: read, record events;
//   - a team lead of the case's region: read, record events, reassign;
//   - a responder: a person a page for this case was sent to, while that page
//     stands — not declined, not stood down (a colleague took it), not failed
//     or suppressed, not an "inform" page — and for at most
//     kResponderWindow after it was sent, or after they acknowledged it:
//     read only (the address to go out to); they record nothing;
//   - everyone else, admins included: nothing.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "piket/common/clock.hpp"
#include "piket/rota/directory.hpp"

namespace piket::access {

// How long a standing page lets its person read the case: after it was sent
// while unanswered, after they acknowledged it once answered. A night's duty.
inline constexpr common::Millis kResponderWindow{12LL * 3600 * 1000};

enum class CaseAction { read, record, reassign };
std::string_view to_string(CaseAction a);

// Who asks: a person of the configuration.
struct CaseCaller {
  std::string person;
  rota::StaffRole role = rota::StaffRole::casemanager;
  std::vector<std::string> regions;
};

// One page of the case as paging wrote it (page:{id}, docs/paging.md).
struct PageFact {
  std::string id;
  std::string person;
  std::string
      state;  // queued, sending, accepted, acknowledged, declined, failed, duplicate, cancelled
  std::string rule;  // on_call, own_casemanager, inform, deadline:…, escalation:…
  std::optional<common::Instant> created_at;
  std::optional<common::Instant> acknowledged_at;
  bool declined = false;
};

struct CaseFacts {
  std::string id;
  std::string region;
  std::string casemanager;  // empty when not assigned
  bool open = true;
  std::vector<PageFact> pages;  // the case's pages (a reader may keep only the caller's)
};

struct CaseDecision {
  bool allowed = false;
  // Allowed: own_case, team_lead, responder. Refused: not_your_case,
  // not_your_region, no_case_access, team_lead_only, responder_reads_only.
  std::string code;
  std::string reason;  // in words, for the audit trail and the logs
  explicit operator bool() const { return allowed; }
};

CaseDecision may(const CaseCaller& caller, const CaseFacts& facts, CaseAction action,
                 common::Instant now);

// The page that makes `person` a responder for the case now, if any.
const PageFact* standing_page(const CaseFacts& facts, std::string_view person, common::Instant now);

}  // namespace piket::access
