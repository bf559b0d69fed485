#pragma once
// Picking the casemanager from the full rota (selection.hpp's interface).
//
//  (a) own_casemanager: the family's own casemanager, when on call in the
//      region's primary or backup layer (or its working_hours layer);
//  (a') previous_casemanager: a returning family's earlier casemanager, when
//      on call the same way (no cap, like (a): one family, one caseworker);
//  (b) on_call: the region's on-call primary people under their caseload cap,
//      lowest weighted caseload first (selection.hpp), ties by id;
//  (c) backup: the same over the backup layer; then
//      team_lead: the on-call team lead(s), lowest caseload first (no cap: the
//      last resort); when that layer is empty, the region's team leads from
//      the deployment config;
//  (d) only when there is no team lead at all: the on-call primary, then
//      backup, people over their cap (lowest caseload first) — somebody must
//      get the page. The rule says which layer they came from.
// `inform` is the own casemanager whenever (a) did not choose.
// People unknown to the deployment config are never chosen.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "piket/rota/directory.hpp"
#include "piket/rota/rota.hpp"
#include "piket/rota/selection.hpp"

namespace piket::rota {

class RotaSelector final : public CasemanagerSelector {
 public:
  // `monitoring_weight`: what a case in monitoring counts against the cap.
  RotaSelector(std::shared_ptr<const Rota> rota, const std::vector<PersonConfig>& people,
               double monitoring_weight = 1.0);

  std::vector<std::string> candidates(const SelectionRequest& request) const override;
  std::optional<Selection> select(const SelectionRequest& request,
                                  const CaseloadView& caseload) const override;
  std::optional<Selection> select_step(paging::EscalationTarget target,
                                       const SelectionRequest& request,
                                       const std::vector<std::string>& exclude,
                                       const CaseloadView& caseload) const override;

  const Rota& rota() const { return *rota_; }

 private:
  // The configured team leads of a region (whether on the rota or not), by id.
  std::vector<std::string> team_leads(const std::string& region) const;
  std::shared_ptr<const Rota> rota_;
  std::map<std::string, PersonConfig, std::less<>> people_;
  double monitoring_weight_ = 1.0;
};

}  // namespace piket::rota
