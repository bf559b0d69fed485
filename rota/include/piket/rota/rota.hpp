#pragma once
// The rota: a RotaDefinition plus overrides, with every layer's timeline
// precomputed over a horizon so that who_is_on_call() is a binary search.
// Queries outside the horizon are computed from the definition and give the
// same answers, only slower. Immutable once built: safe to share between
// threads (std::shared_ptr<const Rota>); to change overrides, build a new one.

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "piket/rota/rota_definition.hpp"
#include "piket/rota/segment.hpp"
#include "piket/rota/time_range.hpp"

namespace piket::rota {

struct LayerRef {
  std::string region;
  std::string layer;
  friend bool operator==(const LayerRef&, const LayerRef&) = default;
};

class Rota {
 public:
  // Overrides apply in order: definition.overrides, then `runtime_overrides`.
  // Throws std::invalid_argument for a definition no file could produce (a
  // zero shift length, a handoff outside the day, a window outside the week).
  Rota(RotaDefinition definition, std::vector<Override> runtime_overrides, TimeRange horizon);
  // Move-only: the precomputed layers point into the definition and the
  // overrides (a move keeps those buffers, a copy would not).
  Rota(const Rota&) = delete;
  Rota& operator=(const Rota&) = delete;
  Rota(Rota&&) = default;
  Rota& operator=(Rota&&) = default;

  const RotaDefinition& definition() const { return definition_; }
  // All overrides in the order they apply.
  const std::vector<Override>& overrides() const { return overrides_; }
  TimeRange horizon() const { return horizon_; }

  // Every layer the rota knows: each region's required layers, its defined
  // layers, and layers only overrides name. Sorted by region, then layer.
  std::vector<LayerRef> layers() const;
  std::vector<std::string> regions() const;
  bool has_layer(std::string_view layer, std::string_view region) const;
  // Everyone the layer can put on call: members of its rotations and people
  // named by its overrides. Sorted, unique.
  std::vector<std::string> people(std::string_view layer, std::string_view region) const;

  // People on call (sorted by id); empty: nobody, or an unknown layer.
  std::vector<std::string> on_call(std::string_view layer, std::string_view region,
                                   common::Instant at) const;
  // Segments tiling `range` exactly; an unknown layer is one gap.
  std::vector<Segment> timeline(std::string_view layer, std::string_view region,
                                TimeRange range) const;

 private:
  struct Layer {
    std::vector<const Rotation*> rotations;
    std::vector<const Override*> overrides;
    std::vector<common::Millis::rep> starts;  // segments[i].start, for the search
    std::vector<Segment> segments;            // tiling horizon_
  };
  const Layer* find(std::string_view layer, std::string_view region) const;
  std::vector<Segment> compute(const Layer& layer, TimeRange range) const;

  RotaDefinition definition_;
  std::vector<Override> overrides_;
  TimeRange horizon_;
  std::map<std::string, std::map<std::string, Layer, std::less<>>, std::less<>> layers_;
};

// The pure-function face of the queries (the same as the members).
inline std::vector<std::string> who_is_on_call(const Rota& rota, std::string_view layer,
                                               std::string_view region, common::Instant at) {
  return rota.on_call(layer, region, at);
}
inline std::vector<Segment> timeline(const Rota& rota, std::string_view layer,
                                     std::string_view region, TimeRange range) {
  return rota.timeline(layer, region, range);
}

}  // namespace piket::rota
