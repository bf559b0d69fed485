#include "piket/rota/report.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "piket/rota/wall_clock.hpp"

namespace piket::rota {
namespace {

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

std::string format_hours(common::Millis d) {
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(d).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lldh%02lld", static_cast<long long>(minutes / 60),
                static_cast<long long>(minutes % 60));
  return buf;
}

std::string render_on_call(const Rota& rota, std::span<const std::string> regions,
                           common::Instant at) {
  std::ostringstream out;
  out << "on call at " << format_local(at) << "\n";
  for (const auto& ref : rota.layers()) {
    if (std::find(regions.begin(), regions.end(), ref.region) == regions.end()) continue;
    // Look up to 60 days ahead for the end of the current segment.
    const auto segments =
        rota.timeline(ref.layer, ref.region, TimeRange{at, at + std::chrono::hours{24 * 60}});
    const auto& s = segments.front();
    std::string people;
    for (const auto& p : s.people) people += (people.empty() ? "" : ", ") + p;
    out << "  " << pad(ref.region, 14) << pad(ref.layer, 14)
        << pad(s.gap() ? "NOBODY (gap)" : people, 28) << "until "
        << (segments.size() > 1 ? format_local(s.end) : "beyond 60 days") << "\n";
  }
  return out.str();
}

std::string render_gaps(const std::vector<LayerGap>& gaps) {
  if (gaps.empty()) return "no gaps\n";
  std::ostringstream out;
  for (const auto& g : gaps)
    out << "GAP  " << pad(g.region, 14) << pad(g.layer, 14) << format_local(g.gap.start) << "  ->  "
        << format_local(g.gap.end) << "  (" << format_hours(g.gap.length()) << ")\n";
  return out.str();
}

std::string render_fairness(const std::vector<FairnessRow>& rows) {
  std::ostringstream out;
  out << pad("region", 14) << pad("layer", 14) << pad("person", 16) << pad("on call", 11)
      << pad("night", 10) << pad("weekend", 10) << pad("holiday", 10) << "stretches\n";
  for (const auto& r : rows)
    out << pad(r.region, 14) << pad(r.layer, 14) << pad(r.person, 16)
        << pad(format_hours(r.on_call), 11) << pad(format_hours(r.night), 10)
        << pad(format_hours(r.weekend), 10) << pad(format_hours(r.holiday), 10) << r.stretches
        << "\n";
  return out.str();
}

}  // namespace piket::rota
