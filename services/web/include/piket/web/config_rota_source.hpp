#pragma once
// The rota as the deployment configuration gives it ([[rotas]]: per region a
// rotation of primary casemanagers in fixed shifts from an anchor, and a team
// lead), with the run-time overrides team leads register in the app. The
// overrides are dispatch's (services/dispatch override_store.hpp: hash
// store::kRotaOverrides and its version counter), so what the board shows and
// whom dispatch pages agree.

#include <mutex>

#include "piket/common/config.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/rota/override.hpp"
#include "piket/rota/rota_config.hpp"
#include "piket/web/rota_source.hpp"

namespace piket::web {

class ConfigRotaSource final : public RotaSource {
 public:
  // `rotas` ([[rotas]]) must outlive the source.
  ConfigRotaSource(const std::vector<rota::SimpleRotaConfig>& rotas, common::RedisPool& redis);

  RotaPicture picture(const std::string& region, common::Instant now, int gap_days) override;
  void add_override(const RotaOverride& o) override;
  std::vector<std::string> on_call(const std::string& region, const std::string& layer,
                                   common::Instant at) override;

  // Pure core, for tests: the picture from a rota and its overrides.
  static RotaPicture compute(const rota::SimpleRotaConfig* rota,
                             const std::vector<RotaOverride>& overrides, common::Instant now,
                             int gap_days);

 private:
  std::vector<RotaOverride> overrides_of(const std::string& region);
  const std::vector<rota::SimpleRotaConfig>& rotas_;
  common::RedisPool& redis_;
};

// Between the board's view of an override and the rota library's.
rota::Override to_rota(const RotaOverride& o);
RotaOverride from_rota(const rota::Override& o);
// "O" + 13-digit ms + 4 random characters: ids sort in the order they were set,
// as dispatch applies them.
std::string new_override_id(common::Instant now);
// The stored overrides of every region (dispatch's store).
std::vector<RotaOverride> load_overrides(common::RedisPool& redis);
void store_override(common::RedisPool& redis, const RotaOverride& o);

}  // namespace piket::web
