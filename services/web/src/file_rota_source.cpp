#include "piket/web/file_rota_source.hpp"

#include <algorithm>

#include "piket/rota/coverage.hpp"
#include "piket/rota/handoffs.hpp"
#include "piket/rota/rota.hpp"
#include "piket/rota/rota_file.hpp"
#include "piket/web/config_rota_source.hpp"

namespace piket::web {
namespace {

using common::Instant;

rota::Rota build(const rota::RotaDefinition& def, const std::vector<RotaOverride>& overrides,
                 Instant now, int days) {
  std::vector<rota::Override> ros;
  for (const auto& o : overrides) ros.push_back(to_rota(o));
  return rota::Rota(def, std::move(ros),
                    {now - std::chrono::days{1}, now + std::chrono::days{days + 1}});
}

}  // namespace

FileRotaSource::FileRotaSource(const rota::RotaFileConfig& rota_file,
                               const std::vector<rota::PersonConfig>& people,
                               common::RedisPool& redis)
    : redis_(redis), definition_(rota::load_rota_file(rota_file.file, people)) {}

RotaPicture FileRotaSource::picture(const std::string& region, Instant now, int gap_days) {
  const auto overrides = load_overrides(redis_);
  const auto r = build(definition_, overrides, now, gap_days);
  const rota::TimeRange ahead{now, now + std::chrono::days{gap_days}};
  RotaPicture pic;
  for (const auto& l : r.layers()) {
    if (l.region != region) continue;
    LayerNow n{l.layer, r.on_call(l.layer, region, now), std::nullopt};
    const auto segs = r.timeline(l.layer, region, ahead);
    if (!segs.empty() && segs.front().end < ahead.end) n.until = segs.front().end;
    pic.now.push_back(std::move(n));
  }
  for (const auto& h : rota::next_handoffs(r, now, std::chrono::days{gap_days})) {
    if (h.region != region) continue;
    if (h.on_call_now && h.off_at) pic.handoffs.push_back({h.layer, h.person, *h.off_at, false});
    if (h.next_on_at) pic.handoffs.push_back({h.layer, h.person, *h.next_on_at, true});
  }
  std::sort(pic.handoffs.begin(), pic.handoffs.end(),
            [](const UpcomingHandoff& a, const UpcomingHandoff& b) { return a.at < b.at; });
  const std::vector<std::string> regions{region};
  for (const auto& g : rota::coverage_gaps(r, regions, ahead))
    pic.gaps.push_back({g.layer, g.gap.start, g.gap.end});
  for (const auto& o : overrides)
    if (o.region == region && o.end > now) pic.overrides.push_back(o);
  std::sort(pic.overrides.begin(), pic.overrides.end(),
            [](const RotaOverride& a, const RotaOverride& b) { return a.start < b.start; });
  return pic;
}

void FileRotaSource::add_override(const RotaOverride& o) {
  store_override(redis_, o);
}

std::vector<std::string> FileRotaSource::on_call(const std::string& region,
                                                 const std::string& layer, Instant at) {
  return build(definition_, load_overrides(redis_), at, 1).on_call(layer, region, at);
}

}  // namespace piket::web
