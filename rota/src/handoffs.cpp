#include "piket/rota/handoffs.hpp"

#include <algorithm>
#include <map>

namespace piket::rota {

std::vector<PersonHandoff> next_handoffs(const Rota& rota, common::Instant at,
                                         common::Millis look_ahead, common::Millis end_search) {
  std::vector<PersonHandoff> out;
  const auto next_before = at + look_ahead;
  const TimeRange window{at, next_before + end_search};
  for (const auto& ref : rota.layers()) {
    const auto segments = rota.timeline(ref.layer, ref.region, window);
    for (const auto& person : rota.people(ref.layer, ref.region)) {
      PersonHandoff h;
      h.region = ref.region;
      h.layer = ref.layer;
      h.person = person;
      auto in = [&](const Segment& s) {
        return std::binary_search(s.people.begin(), s.people.end(), person);
      };
      std::size_t i = 0;
      if (!segments.empty() && in(segments.front())) {
        h.on_call_now = true;
        while (i < segments.size() && in(segments[i])) ++i;
        if (i < segments.size()) h.off_at = segments[i].start;
      }
      while (i < segments.size() && !in(segments[i])) ++i;
      if (i < segments.size() && segments[i].start < next_before) {
        h.next_on_at = segments[i].start;
        while (i < segments.size() && in(segments[i])) ++i;
        if (i < segments.size()) h.next_off_at = segments[i].start;
      }
      out.push_back(std::move(h));
    }
  }
  return out;
}

}  // namespace piket::rota
