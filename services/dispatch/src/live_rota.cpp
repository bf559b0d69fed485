#include "piket/dispatch/live_rota.hpp"

#include <spdlog/spdlog.h>

#include "piket/dispatch/override_store.hpp"

namespace piket::dispatch {

LiveRota::LiveRota(rota::RotaDefinition definition, const std::vector<rota::PersonConfig>& people,
                   const rota::CaseloadConfig& caseload, const common::Clock& clock,
                   int horizon_days)
    : definition_(std::move(definition)),
      people_(people),
      monitoring_weight_(caseload.monitoring_weight),
      clock_(clock),
      horizon_days_(horizon_days) {
  refresh({}, 0);
}

void LiveRota::refresh(std::vector<rota::Override> overrides, long long version) {
  const auto now = clock_.now();
  {
    std::lock_guard lock(mutex_);
    // Rebuild when overrides changed or half the horizon has passed.
    if (version == version_ && now - built_at_ < std::chrono::hours{24 * horizon_days_ / 2}) return;
  }
  const auto start = now - std::chrono::hours{24 * 7};
  auto built = std::make_shared<const rota::Rota>(
      definition_, std::move(overrides),
      rota::TimeRange{start, now + std::chrono::hours{24 * horizon_days_}});
  auto selector = std::make_shared<const rota::RotaSelector>(built, people_, monitoring_weight_);
  std::lock_guard lock(mutex_);
  rota_ = std::move(built);
  selector_ = std::move(selector);
  if (version_ != version) spdlog::info("rota rebuilt with overrides version {}", version);
  version_ = version;
  built_at_ = now;
}

void LiveRota::refresh_from(common::RedisConnection& redis) {
  OverrideStore store(redis);
  const auto v = store.version();
  {
    std::lock_guard lock(mutex_);
    if (v == version_ && clock_.now() - built_at_ < std::chrono::hours{24 * horizon_days_ / 2})
      return;
  }
  refresh(store.list(), v);
}

std::shared_ptr<const rota::Rota> LiveRota::current() const {
  std::lock_guard lock(mutex_);
  return rota_;
}

std::vector<std::string> LiveRota::candidates(const rota::SelectionRequest& request) const {
  std::shared_ptr<const rota::RotaSelector> s;
  {
    std::lock_guard lock(mutex_);
    s = selector_;
  }
  return s->candidates(request);
}

std::optional<rota::Selection> LiveRota::select(const rota::SelectionRequest& request,
                                                const rota::CaseloadView& caseload) const {
  std::shared_ptr<const rota::RotaSelector> s;
  {
    std::lock_guard lock(mutex_);
    s = selector_;
  }
  return s->select(request, caseload);
}

std::optional<rota::Selection> LiveRota::select_step(paging::EscalationTarget target,
                                                     const rota::SelectionRequest& request,
                                                     const std::vector<std::string>& exclude,
                                                     const rota::CaseloadView& caseload) const {
  std::shared_ptr<const rota::RotaSelector> s;
  {
    std::lock_guard lock(mutex_);
    s = selector_;
  }
  return s->select_step(target, request, exclude, caseload);
}

}  // namespace piket::dispatch
