#pragma once
// The walking skeleton's deliberately simple rota: per region one rotation of
// casemanagers with fixed-length shifts counted from an anchor instant, and one
// team lead. No time zones, no layers, no overrides — rota/ proper replaces it.

#include <map>
#include <string>
#include <vector>

#include "piket/rota/rota_config.hpp"
#include "piket/rota/selection.hpp"

namespace piket::rota {

class SimpleRota final : public CasemanagerSelector {
 public:
  SimpleRota(const std::vector<SimpleRotaConfig>& rotas, const std::vector<PersonConfig>& people,
             const CaseloadConfig& caseload);

  // Who is on call in `region` at `at`; empty when the region has no rota.
  std::optional<std::string> on_call(const std::string& region, common::Instant at) const;

  std::vector<std::string> candidates(const SelectionRequest& request) const override;
  std::optional<Selection> select(const SelectionRequest& request,
                                  const CaseloadView& caseload) const override;
  std::optional<Selection> select_step(paging::EscalationTarget target,
                                       const SelectionRequest& request,
                                       const std::vector<std::string>& exclude,
                                       const CaseloadView& caseload) const override;

 private:
  struct Region {
    std::vector<std::string> primary;
    common::Instant anchor;
    std::chrono::hours shift;
    std::string team_lead;
  };
  std::map<std::string, Region, std::less<>> regions_;
  std::map<std::string, int, std::less<>> caps_;
  double monitoring_weight_ = 1.0;
};

}  // namespace piket::rota
