#include "piket/rota/rota.hpp"

#include <algorithm>
#include <stdexcept>

#include "schedule.hpp"

namespace piket::rota {
namespace {

using common::Instant;
using common::Millis;

void validate(const Rotation& r, const std::string& where) {
  if (r.shift.cycle.empty()) throw std::invalid_argument(where + ": no shift length");
  for (auto len : r.shift.cycle)
    if (len < std::chrono::minutes{1})
      throw std::invalid_argument(where + ": shift length < 1 minute");
  if (r.handoff < std::chrono::minutes{0} || r.handoff >= std::chrono::hours{24})
    throw std::invalid_argument(where + ": handoff outside the day");
  if (!r.start.ok()) throw std::invalid_argument(where + ": invalid start date");
  if (r.end && !r.end->ok()) throw std::invalid_argument(where + ": invalid end date");
  for (const auto& w : r.restrictions)
    if (w.from < std::chrono::minutes{0} || w.from >= kMinutesPerWeek ||
        w.to < std::chrono::minutes{0} || w.to >= kMinutesPerWeek)
      throw std::invalid_argument(where + ": restriction outside the week");
}

}  // namespace

Rota::Rota(RotaDefinition definition, std::vector<Override> runtime_overrides, TimeRange horizon)
    : definition_(std::move(definition)), horizon_(horizon) {
  overrides_ = definition_.overrides;
  overrides_.insert(overrides_.end(), std::make_move_iterator(runtime_overrides.begin()),
                    std::make_move_iterator(runtime_overrides.end()));
  if (horizon_.empty()) horizon_.end = horizon_.start;

  for (const auto& region : definition_.regions) {
    auto& layers = layers_[region.id];
    for (auto name : kRequiredLayers) layers.try_emplace(std::string(name));
    for (const auto& layer : region.layers) {
      auto& l = layers[layer.name];
      for (const auto& rotation : layer.rotations) {
        validate(rotation, region.id + "/" + layer.name + "/" + rotation.name);
        l.rotations.push_back(&rotation);
      }
    }
  }
  for (const auto& o : overrides_) {
    if (o.window.empty()) continue;
    auto& layers = layers_[o.region];
    for (auto name : kRequiredLayers) layers.try_emplace(std::string(name));
    layers[o.layer].overrides.push_back(&o);
  }
  for (auto& [region, layers] : layers_) {
    for (auto& [name, layer] : layers) {
      layer.segments = detail::compute_timeline(layer.rotations, layer.overrides, horizon_);
      layer.starts.reserve(layer.segments.size());
      for (const auto& s : layer.segments)
        layer.starts.push_back(s.start.time_since_epoch().count());
    }
  }
}

std::vector<LayerRef> Rota::layers() const {
  std::vector<LayerRef> out;
  for (const auto& [region, layers] : layers_)
    for (const auto& [name, layer] : layers) out.push_back(LayerRef{region, name});
  return out;
}

std::vector<std::string> Rota::regions() const {
  std::vector<std::string> out;
  for (const auto& [region, layers] : layers_) out.push_back(region);
  return out;
}

bool Rota::has_layer(std::string_view layer, std::string_view region) const {
  return find(layer, region) != nullptr;
}

std::vector<std::string> Rota::people(std::string_view layer, std::string_view region) const {
  std::vector<std::string> out;
  const Layer* l = find(layer, region);
  if (!l) return out;
  for (const Rotation* r : l->rotations)
    out.insert(out.end(), r->members.begin(), r->members.end());
  for (const Override* o : l->overrides) {
    out.push_back(o->person);
    if (o->kind == OverrideKind::replace) out.push_back(o->replaces);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

const Rota::Layer* Rota::find(std::string_view layer, std::string_view region) const {
  const auto r = layers_.find(region);
  if (r == layers_.end()) return nullptr;
  const auto l = r->second.find(layer);
  return l == r->second.end() ? nullptr : &l->second;
}

std::vector<Segment> Rota::compute(const Layer& layer, TimeRange range) const {
  return detail::compute_timeline(layer.rotations, layer.overrides, range);
}

std::vector<std::string> Rota::on_call(std::string_view layer, std::string_view region,
                                       Instant at) const {
  const Layer* l = find(layer, region);
  if (!l) return {};
  if (horizon_.contains(at)) {
    const auto t = at.time_since_epoch().count();
    const auto it = std::upper_bound(l->starts.begin(), l->starts.end(), t);
    return l->segments[static_cast<std::size_t>(it - l->starts.begin()) - 1].people;
  }
  return compute(*l, TimeRange{at, at + Millis{1}}).front().people;
}

std::vector<Segment> Rota::timeline(std::string_view layer, std::string_view region,
                                    TimeRange range) const {
  if (range.empty()) return {};
  const Layer* l = find(layer, region);
  if (!l) return {Segment{range.start, range.end, {}}};
  if (range.start < horizon_.start || range.end > horizon_.end) return compute(*l, range);
  // Slice the precomputed timeline and clip its ends.
  const auto first =
      std::upper_bound(l->starts.begin(), l->starts.end(), range.start.time_since_epoch().count()) -
      l->starts.begin() - 1;
  std::vector<Segment> out;
  for (auto i = static_cast<std::size_t>(first);
       i < l->segments.size() && l->segments[i].start < range.end; ++i) {
    out.push_back(l->segments[i]);
    out.back().start = std::max(out.back().start, range.start);
    out.back().end = std::min(out.back().end, range.end);
  }
  return out;
}

}  // namespace piket::rota
