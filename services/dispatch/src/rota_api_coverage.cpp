// Who is on call now in a region, per layer, and where nobody is ahead.
#include <algorithm>
#include <boost/json.hpp>

#include "piket/common/time_format.hpp"
#include "piket/rota/coverage.hpp"
#include "rota_api_handlers.hpp"

namespace piket::dispatch::api {

HttpResponse oncall(RotaContext& c, const Request& r) {
  const auto region = r.param("region");
  if (!c.directory.region(region))
    return common::error_response(404, "not_found", "no such region");
  if (!may_read(*r.caller, region)) return forbidden();
  auto current = c.rota.current();
  const auto now = c.clock.now();
  boost::json::object layers;
  for (const auto& ref : current->layers()) {
    if (ref.region != region) continue;
    boost::json::array people;
    for (const auto& p : current->on_call(ref.layer, region, now)) people.emplace_back(p);
    layers[ref.layer] = std::move(people);
  }
  return json(200, boost::json::object{{"region", region},
                                       {"at", common::format_rfc3339(now)},
                                       {"layers", std::move(layers)}});
}

HttpResponse gaps(RotaContext& c, const Request& r) {
  const auto region = r.param("region");
  const auto days_s = r.param("days");
  if (!c.directory.region(region))
    return common::error_response(404, "not_found", "no such region");
  if (!may_read(*r.caller, region)) return forbidden();
  int days = 14;
  if (!days_s.empty()) {
    if (days_s.size() > 3 || !std::all_of(days_s.begin(), days_s.end(), ::isdigit) ||
        std::stoi(days_s) < 1 || std::stoi(days_s) > 366)
      return common::error_response(422, "invalid_days", "days must be 1-366", "days");
    days = std::stoi(days_s);
  }
  const auto now = c.clock.now();
  const std::string regions[] = {region};
  boost::json::array out;
  for (const auto& g :
       rota::coverage_gaps(*c.rota.current(), regions, {now, now + std::chrono::hours{24 * days}}))
    out.push_back({{"layer", g.layer},
                   {"starts_at", common::format_rfc3339(g.gap.start)},
                   {"ends_at", common::format_rfc3339(g.gap.end)}});
  return json(200, boost::json::object{{"region", region}, {"days", days}, {"gaps", out}});
}

}  // namespace piket::dispatch::api
