// Run-time overrides of the rota (sickness, a swap, extra cover): listed by
// the region's people, set and removed by its team leads and admins.
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <cstdio>

#include "piket/common/crypto.hpp"
#include "piket/common/time_format.hpp"
#include "piket/dispatch/override_store.hpp"
#include "rota_api_handlers.hpp"

namespace piket::dispatch::api {
namespace {

boost::json::object override_json(const rota::Override& o) {
  return {{"id", o.id},
          {"region", o.region},
          {"layer", o.layer},
          {"kind", std::string(rota::to_string(o.kind))},
          {"person", o.person},
          {"replaces", o.replaces},
          {"starts_at", common::format_rfc3339(o.window.start)},
          {"ends_at", common::format_rfc3339(o.window.end)}};
}

}  // namespace

HttpResponse list_overrides(RotaContext& c, const Request& r) {
  const auto region = r.param("region");
  if (!c.directory.region(region))
    return common::error_response(404, "not_found", "no such region");
  if (!may_read(*r.caller, region)) return forbidden();
  auto conn = c.redis.lease();
  boost::json::array out;
  for (const auto& o : OverrideStore(*conn).list())
    if (o.region == region) out.push_back(override_json(o));
  return json(200, boost::json::object{{"overrides", out}});
}

HttpResponse add_override(RotaContext& c, const Request& r) {
  const auto& caller = *r.caller;
  if (!may_change_any(caller)) return forbidden();
  if (!common::is_json_media_type(r.http.header("content-type")))
    return common::error_response(415, "unsupported_media_type",
                                  "Content-Type must be application/json");
  const auto now = c.clock.now();
  auto parsed = parse_override_request(r.http.body, *c.rota.current(), c.directory, now);
  if (auto* e = std::get_if<common::ApiRefusal>(&parsed)) return common::to_response(*e);
  auto o = std::get<rota::Override>(std::move(parsed));
  if (!may_change(caller, o.region)) return forbidden();
  char stamp[16];
  std::snprintf(stamp, sizeof stamp, "%013lld", static_cast<long long>(common::to_epoch_ms(now)));
  auto conn = c.redis.lease();
  // Another instance may take the same id in the same millisecond: draw again.
  for (int attempt = 0;; ++attempt) {
    o.id = "O" + std::string(stamp) + common::random_base32(4);
    if (OverrideStore(*conn).add(o, caller.id, now)) break;
    if (attempt == 7) throw std::runtime_error("no free rota override id");
  }
  c.rota.refresh_from(*conn);
  spdlog::info("rota override {} ({} {} in {}) set by {}", o.id, rota::to_string(o.kind), o.layer,
               o.region, caller.id);
  return json(201, override_json(o));
}

HttpResponse remove_override(RotaContext& c, const Request& r) {
  const auto& caller = *r.caller;
  if (!may_change_any(caller)) return forbidden();
  const std::string id(r.rest);
  auto conn = c.redis.lease();
  OverrideStore store(*conn);
  for (const auto& o : store.list()) {
    if (o.id != id) continue;
    if (!may_change(caller, o.region)) return forbidden();
    store.remove(id);
    c.rota.refresh_from(*conn);
    spdlog::info("rota override {} removed by {}", id, caller.id);
    return HttpResponse{204, "", "", {}};
  }
  return common::error_response(404, "not_found", "no such override");
}

}  // namespace piket::dispatch::api
