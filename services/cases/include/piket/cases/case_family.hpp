#pragma once
// One family, one case: a team lead joins two cases of one family that the
// partners keyed differently (police and Veilig Thuis each have their own
// household key), and splits a wrong join again (docs/deadlines.md,
// "Families: join and split").
//
//   POST /v1/cases/{survivor}/join   {"other_case_id": "C…", "reason": "…"}
//   POST /v1/cases/{survivor}/split  {"other_case_id": "C…", "reason": "…"}
//
// Join — one script: the other ("absorbed") case's incidents move to the
// survivor (its incident list, ordered by acceptance; each incident's
// case_id, so GET /v1/incidents/{id} answers the survivor); every household
// key that pointed to the absorbed case points to the survivor; the steps
// the absorbed case's clocks took count as the survivor's (its fired keys,
// renamed), its timers leave `deadlines:due` and the survivor is evaluated
// again at once (resync); the survivor takes the absorbed case's progress
// where it is further (phase, phase times, evaluation, last activity) and its
// casemanager when it has none; the home ban is rebuilt from the joined
// incidents. The absorbed case becomes state "merged" (merged_into, merged_at,
// merged_by), leaves `cases:open` and its casemanager's caseload, keeps its
// own hash, incident list and timeline (frozen), and is listed in the
// survivor's `joined_cases`. Both timelines get an entry (case_joined /
// case_merged) naming the team lead and the reason.
// Agreements (issue 16) move in the same script, once: each of the absorbed
// case's agreements leaves it and is on the survivor as it is now, numbered
// on after the survivor's own (A1, A2 … are a case's own ids; the absorbed
// case's `merged_agreements` and the case_joined entry say which became
// which), the steps its clock took counted under its new id. The absorbed
// case's tracks' records are merged into the survivor's per track (the
// earlier first contact and intake, each with who; "not applicable" unless
// seen after it); the absorbed case keeps its own (frozen, as its incident
// list) and `merge_tracks` keeps what the survivor had.
//
// Split — undoes one join, as far as the record allows:
//   restored exactly: the absorbed case's incidents (its own list, plus the
//     incidents accepted since the join under one of the household keys the
//     join moved) go back, with their case_id; those household keys point to
//     it again (when they still point to the survivor); it is open again, in
//     `cases:open` and its casemanager's caseload, with its own hash fields,
//     phase and clocks as they were at the join; the survivor's fields the
//     join changed (progress, casemanager) go back to their old values unless
//     they were changed again since; both home bans are rebuilt.
//   restored too: the agreements the join moved go back under their own
//     ids, as they are now (settled on the survivor: settled), with the steps
//     their clocks took; the survivor's tracks' records the join changed go
//     back unless recorded on since.
//   kept: what was recorded on the survivor during the join stays on the
//     survivor's timeline; steps its clocks took for the split-off incidents
//     count for the absorbed case too (so no page is repeated), and its last
//     activity counts for both. Clocks of the absorbed case that fell due
//     during the join and were not met fire at once after the split.
// Both are refused (nothing changes) for anyone but a team lead of the
// case's region (403), for cases of different regions (422), for a closed or
// merged case (409) — and a split for a case that is not joined into this one
// (409 not_joined).

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "piket/cases/case_events.hpp"
#include "piket/cases/case_state.hpp"
#include "piket/cases/case_store.hpp"
#include "piket/common/config.hpp"

namespace piket::cases {

struct FamilyRequest {
  std::string other_case_id;
  std::string reason;  // 1-500 characters; on both timelines
};

// Parses the body of join and split. Unknown fields are refused.
std::variant<FamilyRequest, common::ApiRefusal> parse_family_request(std::string_view body);

// Pure checks on the loaded cases (the script checks the versions again).
std::optional<common::ApiRefusal> check_join(const CaseState& survivor, const CaseState& other,
                                             const Actor& actor);
std::optional<common::ApiRefusal> check_split(const CaseState& survivor, const CaseState& other,
                                              const Actor& actor);

struct FamilyResult {
  std::string survivor;
  std::string other;
  std::vector<std::string> incidents;  // the incidents that moved
  long long household_keys = 0;        // household keys that moved
};

class CaseFamilies {
 public:
  // `store` loads the cases; the scripts run on their own connections.
  CaseFamilies(RedisCaseStore& store, common::RedisConfig redis);
  ~CaseFamilies();
  CaseFamilies(const CaseFamilies&) = delete;
  CaseFamilies& operator=(const CaseFamilies&) = delete;

  // Throws common::RedisError when Redis cannot be reached.
  std::variant<FamilyResult, common::ApiRefusal> join(const std::string& survivor,
                                                      const FamilyRequest& request,
                                                      const Actor& actor, common::Instant now);
  std::variant<FamilyResult, common::ApiRefusal> split(const std::string& survivor,
                                                       const FamilyRequest& request,
                                                       const Actor& actor, common::Instant now);

 private:
  std::variant<FamilyResult, common::ApiRefusal> run(bool join, const std::string& survivor,
                                                     const FamilyRequest& request,
                                                     const Actor& actor, common::Instant now);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace piket::cases
