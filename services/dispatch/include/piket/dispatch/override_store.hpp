#pragma once
// Rota overrides set at run time (sickness at 03:00, swaps), kept in Redis so
// every dispatch instance and restart sees them:
//   rota:overrides          HASH id -> JSON {id, region, layer, kind, person,
//                                         replaces, start, end, by, at}
//   rota:overrides:version  counter, bumped on every change

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "piket/common/api_refusal.hpp"
#include "piket/common/http_types.hpp"
#include "piket/common/redis.hpp"
#include "piket/rota/directory.hpp"
#include "piket/rota/override.hpp"
#include "piket/rota/rota.hpp"

namespace piket::dispatch {

// Parses and validates a request body for a new override against the rota
// (region and layer must exist) and the configured people (person and
// replaces must be people of that region). Windows: start < end, at most 90
// days, not ending in the past. The id is assigned by the caller.
std::variant<rota::Override, common::ApiRefusal> parse_override_request(
    std::string_view body, const rota::Rota& rota, const rota::Directory& config,
    common::Instant now);

std::string override_to_json(const rota::Override& o, std::string_view by, common::Instant at);
std::optional<rota::Override> override_from_json(std::string_view json);

class OverrideStore {
 public:
  explicit OverrideStore(common::RedisConnection& redis) : redis_(redis) {}
  // False (nothing written) when the id is taken: ids are made by every dispatch and web
  // instance (a millisecond stamp and 20 random bits), and one never replaces another's.
  bool add(const rota::Override& o, std::string_view by, common::Instant at);
  // False when there was no such override.
  bool remove(const std::string& id);
  std::vector<rota::Override> list();
  long long version();

 private:
  common::RedisConnection& redis_;
};

}  // namespace piket::dispatch
