#include "piket/web/file_rota_source.hpp"

#include <algorithm>
#include <cstdio>

#include "piket/common/crypto.hpp"
#include "piket/dispatch/override_store.hpp"
#include "piket/rota/coverage.hpp"
#include "piket/rota/handoffs.hpp"
#include "piket/rota/rota.hpp"
#include "piket/rota/rota_file.hpp"

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

// primary, backup, team_lead: every region has them.
bool is_required(std::string_view layer) {
  return std::find(rota::kRequiredLayers.begin(), rota::kRequiredLayers.end(), layer) !=
         rota::kRequiredLayers.end();
}

}  // namespace

rota::Override to_rota(const RotaOverride& o) {
  rota::Override r;
  r.id = o.id;
  r.region = o.region;
  r.layer = o.layer;
  r.kind = rota::OverrideKind::replace;
  r.person = o.person;
  r.replaces = o.replaces;
  r.window = {o.start, o.end};
  return r;
}

RotaOverride from_rota(const rota::Override& o) {
  RotaOverride r;
  r.id = o.id;
  r.region = o.region;
  r.layer = o.layer;
  r.reason = std::string(rota::to_string(o.kind));
  r.person = o.person;
  r.replaces = o.replaces;
  r.start = o.window.start;
  r.end = o.window.end;
  return r;
}

std::string new_override_id(common::Instant now) {
  char stamp[16];
  std::snprintf(stamp, sizeof stamp, "%013lld", static_cast<long long>(common::to_epoch_ms(now)));
  return "O" + std::string(stamp) + common::random_base32(4);
}

std::vector<RotaOverride> load_overrides(common::RedisPool& redis) {
  auto lease = redis.lease();
  std::vector<RotaOverride> out;
  for (const auto& o : dispatch::OverrideStore(*lease).list()) out.push_back(from_rota(o));
  return out;
}

void store_override(common::RedisPool& redis, const RotaOverride& o) {
  auto lease = redis.lease();
  // The id is taken (another instance drew it in the same millisecond): refused, never
  // replaced (the request fails and is sent again).
  if (!dispatch::OverrideStore(*lease).add(to_rota(o), o.by, o.created_at))
    throw std::runtime_error("rota override id " + o.id + " is taken");
}

FileRotaSource::FileRotaSource(const rota::RotaFileConfig& rota_file,
                               const std::vector<rota::PersonConfig>& people,
                               common::RedisPool& redis)
    : FileRotaSource(rota::load_rota_file(rota_file.file, people), redis) {}

FileRotaSource::FileRotaSource(rota::RotaDefinition definition, common::RedisPool& redis)
    : redis_(redis), definition_(std::move(definition)) {}

RotaPicture FileRotaSource::picture(const std::string& region, Instant now, int gap_days) {
  return compute(definition_, load_overrides(redis_), region, now, gap_days);
}

RotaPicture FileRotaSource::compute(const rota::RotaDefinition& definition,
                                    const std::vector<RotaOverride>& overrides,
                                    const std::string& region, Instant now, int gap_days) {
  const auto r = build(definition, overrides, now, gap_days);
  const rota::TimeRange ahead{now, now + std::chrono::days{gap_days}};
  RotaPicture pic;
  std::vector<std::string> layers(rota::kRequiredLayers.begin(), rota::kRequiredLayers.end());
  for (const auto& l : r.layers())  // by name
    if (l.region == region && !is_required(l.layer)) layers.push_back(l.layer);
  for (const auto& layer : layers) {
    LayerNow n{layer, r.on_call(layer, region, now), std::nullopt};
    const auto segs = r.timeline(layer, region, ahead);
    if (!segs.empty() && segs.front().end < ahead.end) n.until = segs.front().end;
    pic.now.push_back(std::move(n));
  }
  for (const auto& h : rota::next_handoffs(r, now, std::chrono::days{gap_days})) {
    if (h.region != region) continue;
    if (h.on_call_now && h.off_at) pic.handoffs.push_back({h.layer, h.person, *h.off_at, false});
    if (h.next_on_at) pic.handoffs.push_back({h.layer, h.person, *h.next_on_at, true});
  }
  // By time; at one instant who goes off before who comes on.
  std::stable_sort(pic.handoffs.begin(), pic.handoffs.end(),
                   [](const UpcomingHandoff& a, const UpcomingHandoff& b) {
                     return a.at != b.at ? a.at < b.at : !a.goes_on && b.goes_on;
                   });
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
