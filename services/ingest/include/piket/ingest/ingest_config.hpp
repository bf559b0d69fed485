#pragma once
// The partner API's sections of the deployment file: [ingest], [[partners]]
// and [[admins]] (docs/configuration.md, "Who parses what").

#include <set>
#include <string>
#include <vector>

#include "piket/common/config.hpp"

namespace piket::ingest {

struct IngestConfig {
  common::HostPort http{"127.0.0.1", 8080};
  int threads = 2;
};

struct PartnerConfig {
  std::string id;
  std::string token_sha256;  // hex of SHA-256(token); the token itself is never stored
  std::vector<std::string> regions;
  double rate_per_second = 50;
  double burst = 100;
};

struct AdminConfig {
  std::string id;
  std::string token_sha256;
};

// [ingest].
IngestConfig parse_ingest(common::TomlReader& r);
// [[partners]]: their regions must be among `region_ids`.
std::vector<PartnerConfig> parse_partners(common::TomlReader& r,
                                          const std::set<std::string>& region_ids);
// [[admins]].
std::vector<AdminConfig> parse_admins(common::TomlReader& r);

}  // namespace piket::ingest
