#pragma once
// Paging's section of the deployment file: [escalation] with its
// [[escalation.regions]] — who is paged after whom while nobody acknowledges
// (docs/paging.md, "Escalation"; docs/configuration.md, "Who parses what").

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "piket/common/config.hpp"
#include "piket/paging/escalation_policy.hpp"

namespace piket::paging {

struct EscalationConfig {
  // Without an [escalation] section, the built-in policy; a given section
  // starts from EscalationPolicy's own defaults (docs/paging.md, "Escalation").
  EscalationPolicy defaults = builtin_policy();
  // region id -> its own policy
  std::map<std::string, EscalationPolicy, std::less<>> regions;
  common::Millis poll{50};  // how often due escalation timers are looked for (real time)

  const EscalationPolicy& policy(std::string_view region) const {
    const auto it = regions.find(region);
    return it == regions.end() ? defaults : it->second;
  }
  // The longest run of any region's policy (how long a page may stay unanswered).
  common::Millis longest_run() const;
};

// [escalation]; absent: builtin_policy() for every region (paging
// always escalates an unacknowledged page). Its regions must be among `region_ids`.
EscalationConfig parse_escalation(common::TomlReader& r, const std::set<std::string>& region_ids);

}  // namespace piket::paging
