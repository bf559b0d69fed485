#pragma once
// The rota from the deployment's rota file ([rota] file, the rota library:
// layers primary, backup and team lead, DST-correct handoffs) with dispatch's
// run-time overrides — the same rota dispatch pages from. Each picture builds
// the rota over the coming days from the file and the stored overrides.

#include "piket/common/config.hpp"
#include "piket/common/redis_pool.hpp"
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

  RotaPicture picture(const std::string& region, common::Instant now, int gap_days) override;
  void add_override(const RotaOverride& o) override;
  std::vector<std::string> on_call(const std::string& region, const std::string& layer,
                                   common::Instant at) override;

 private:
  common::RedisPool& redis_;
  rota::RotaDefinition definition_;
};

}  // namespace piket::web
