#include "piket/dispatch/family_config.hpp"

#include "piket/common/toml_reader.hpp"

namespace piket::dispatch {

FamilyPolicy parse_family(common::TomlReader& r) {
  FamilyPolicy p;
  if (const auto* t = r.table(r.root(), "", "family")) {
    r.only_known(*t, "family.", {"urgent_minutes", "morning_hour", "longest_hours"});
    if (auto v = r.integer(*t, "family.", "urgent_minutes", 5, 240))
      p.urgent = common::Millis{*v * 60 * 1000};
    if (auto v = r.integer(*t, "family.", "morning_hour", 0, 23))
      p.morning_hour = static_cast<int>(*v);
    if (auto v = r.integer(*t, "family.", "longest_hours", 1, 24))
      p.longest = common::Millis{*v * 3600 * 1000};
  }
  return p;
}

}  // namespace piket::dispatch
