#pragma once
// The rota from the deployment's rota file ([rota] file, the rota library:
// layers primary, backup and team lead, DST-correct handoffs) with dispatch's
// run-time overrides — the same rota dispatch pages from. Each picture builds
// the rota over the coming days from the file and the stored overrides. The
// overrides are dispatch's (services/dispatch override_store.hpp: hash
// store::kRotaOverrides and its version counter), so what the board shows and
// whom dispatch pages agree.

#include "piket/common/config.hpp"
#include "piket/common/redis_pool.hpp"
#include "piket/rota/override.hpp"
#include "piket/rota/rota_config.hpp"
#include "piket/rota/rota_definition.hpp"
#include "piket/web/rota_source.hpp"

namespace piket::web {

class FileRotaSource final : public RotaSource {
 public:
  // Loads the rota file; throws rota::RotaFileError naming what is wrong.
  // [rota] and the people the rota file names.
  FileRotaSource(const rota::RotaFileConfig& rota_file,
                 const std::vector<rota::PersonConfig>& people, common::RedisPool& redis);
  // A rota already read (rota::parse_rota_file), e.g. a test's.
  FileRotaSource(rota::RotaDefinition definition, common::RedisPool& redis);

  RotaPicture picture(const std::string& region, common::Instant now, int gap_days) override;
  void add_override(const RotaOverride& o) override;
  std::vector<std::string> on_call(const std::string& region, const std::string& layer,
                                   common::Instant at) override;

  // Pure core of picture(), for tests: `region`'s picture from a rota and the
  // stored overrides (of every region). Layers primary, backup and team_lead
  // come first — every region has them, empty when the rota file does not
  // fill them — then the region's other layers by name.
  static RotaPicture compute(const rota::RotaDefinition& definition,
                             const std::vector<RotaOverride>& overrides, const std::string& region,
                             common::Instant now, int gap_days);

 private:
  common::RedisPool& redis_;
  rota::RotaDefinition definition_;
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
