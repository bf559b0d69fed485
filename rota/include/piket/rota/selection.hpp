#pragma once
// Picking the casemanager for an incident. The interface the rota fills:
// rota::RotaSelector over the rota file (dispatch's LiveRota wraps it).
//
// Rules, in order (PRODUCT.md, "Pick the casemanager"):
//  (a) own_casemanager  — the family's own casemanager, when on duty;
//  (a') previous_casemanager — for a new case of a family that returns after
//                         an earlier case closed: that case's casemanager,
//                         when on duty (one family, one caseworker);
//  (b) on_call          — the region's on-call casemanagers, lowest weighted
//                         caseload first, under their cap, ties by id;
//  (c) team_lead        — when nobody can take it.
// When (a) does not hold but the case has an own casemanager, `inform` names
// them so they hear of the incident.
//
// Caseload: a case in its intensive phase counts 1 against the cap, a case in
// monitoring (after handover) counts `monitoring_weight` ([caseload], default
// 0.25): weighted_caseload().
//
// Absence (POST /v1/people/{id}/absence — ill, on leave): a person absent at
// request.at is not on duty for any rule — not as own casemanager, not on
// call, not as team lead — while anyone present can take it. Only when
// everyone who could is absent does it go to them all the same (a page that
// reaches nobody helps nobody; escalation goes on from there).

#include <optional>
#include <string>
#include <vector>

#include "piket/common/clock.hpp"
#include "piket/paging/escalation_policy.hpp"

namespace piket::rota {

enum class SelectionRule { own_casemanager, on_call, backup, team_lead, previous_casemanager };
std::string_view to_string(SelectionRule r);

struct SelectionRequest {
  std::string region;
  std::optional<std::string> own_casemanager;
  common::Instant at;
  // A new case of a returning family: the casemanager of its earlier case.
  std::optional<std::string> previous_casemanager{};
};

struct Selection {
  std::string person_id;
  SelectionRule rule = SelectionRule::on_call;
  std::optional<std::string> inform;
  // Every on-call primary casemanager of the region is at their cap (a
  // coverage problem: the team lead is told), whoever was chosen.
  bool on_call_at_cap = false;
};

// Open cases per person, read by the caller from the store.
class CaseloadView {
 public:
  virtual ~CaseloadView() = default;
  virtual int open_cases(const std::string& person_id) const = 0;
  // How many of those are in monitoring (phase handover or monitoring).
  virtual int monitoring_cases(const std::string& /*person_id*/) const { return 0; }
  // Whether the person is recorded absent at `at`.
  virtual bool absent(const std::string& /*person_id*/, common::Instant /*at*/) const {
    return false;
  }
};

// What counts against the cap: intensive cases 1 each, monitoring cases
// `monitoring_weight` each.
inline double weighted_caseload(int open, int monitoring, double monitoring_weight) {
  return static_cast<double>(open - monitoring) + monitoring_weight * monitoring;
}
inline double weighted_caseload(const CaseloadView& view, const std::string& person,
                                double monitoring_weight) {
  return weighted_caseload(view.open_cases(person), view.monitoring_cases(person),
                           monitoring_weight);
}

class CasemanagerSelector {
 public:
  virtual ~CasemanagerSelector() = default;
  // The people whose caseload select() may look at (so the caller can load it).
  virtual std::vector<std::string> candidates(const SelectionRequest& request) const = 0;
  // Empty only when the region has nobody at all (not even a team lead).
  virtual std::optional<Selection> select(const SelectionRequest& request,
                                          const CaseloadView& caseload) const = 0;
  // The person for one escalation step at request.at, never one in `exclude`
  // and never one absent (but for the team lead's step: when every team lead
  // is absent, one of them all the same):
  //  primary   — the own casemanager when on duty, else the on-call primary
  //              people, lowest open caseload first (under their cap first);
  //  backup    — the same over the backup layer;
  //  team_lead — the on-call team lead, else the region's team leads.
  // Empty: nobody for this step (the escalation skips it).
  virtual std::optional<Selection> select_step(paging::EscalationTarget target,
                                               const SelectionRequest& request,
                                               const std::vector<std::string>& exclude,
                                               const CaseloadView& caseload) const = 0;
};

}  // namespace piket::rota
