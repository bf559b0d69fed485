#pragma once
// The rota as dispatch sees it at this moment: the rota file plus the run-time
// overrides from Redis. refresh() rebuilds it when the overrides changed; the
// selector always answers from the latest build. Thread-safe.

#include <memory>
#include <mutex>

#include "piket/common/clock.hpp"
#include "piket/common/config.hpp"
#include "piket/common/redis.hpp"
#include "piket/rota/rota.hpp"
#include "piket/rota/rota_config.hpp"
#include "piket/rota/rota_selector.hpp"
#include "piket/rota/selection.hpp"

namespace piket::dispatch {

class LiveRota final : public rota::CasemanagerSelector {
 public:
  // `horizon_days`: how far ahead the rota is precomputed from `now`.
  // `people` (their caps and roles) must outlive the LiveRota.
  LiveRota(rota::RotaDefinition definition, const std::vector<rota::PersonConfig>& people,
           const rota::CaseloadConfig& caseload, const common::Clock& clock,
           int horizon_days = 400);

  // Rebuilds from these overrides when `version` differs from the last build,
  // or when the precomputed horizon is running out.
  void refresh(std::vector<rota::Override> overrides, long long version);
  // Loads overrides from Redis and refreshes if they changed.
  void refresh_from(common::RedisConnection& redis);

  std::shared_ptr<const rota::Rota> current() const;

  std::vector<std::string> candidates(const rota::SelectionRequest& request) const override;
  std::optional<rota::Selection> select(const rota::SelectionRequest& request,
                                        const rota::CaseloadView& caseload) const override;
  std::optional<rota::Selection> select_step(paging::EscalationTarget target,
                                             const rota::SelectionRequest& request,
                                             const std::vector<std::string>& exclude,
                                             const rota::CaseloadView& caseload) const override;

 private:
  rota::RotaDefinition definition_;
  const std::vector<rota::PersonConfig>& people_;
  double monitoring_weight_;
  const common::Clock& clock_;
  int horizon_days_;
  mutable std::mutex mutex_;
  long long version_ = -1;
  common::Instant built_at_{};
  std::shared_ptr<const rota::Rota> rota_;
  std::shared_ptr<const rota::RotaSelector> selector_;
};

}  // namespace piket::dispatch
