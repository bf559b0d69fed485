#pragma once
// Dispatch's sections of the deployment file: [dispatch] and [escalation]
// with its [[escalation.regions]] (docs/configuration.md, "Who parses what";
// docs/paging.md, "Escalation").

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "piket/common/config.hpp"
#include "piket/paging/escalation_policy.hpp"

namespace piket::dispatch {

struct DispatchConfig {
  common::HostPort http{"127.0.0.1", 8081};
  std::string zmq_bind = "tcp://127.0.0.1:7101";
  int workers = 4;  // incidents handled concurrently
};

struct EscalationConfig {
  // Without an [escalation] section, the built-in policy; a given section
  // starts from EscalationPolicy's own defaults (docs/paging.md, "Escalation").
  paging::EscalationPolicy defaults = paging::builtin_policy();
  // region id -> its own policy
  std::map<std::string, paging::EscalationPolicy, std::less<>> regions;
  common::Millis poll{50};  // how often due escalation timers are looked for (real time)

  const paging::EscalationPolicy& policy(std::string_view region) const {
    const auto it = regions.find(region);
    return it == regions.end() ? defaults : it->second;
  }
  // The longest run of any region's policy (how long a page may stay unanswered).
  common::Millis longest_run() const;
};

// [dispatch].
DispatchConfig parse_dispatch(common::TomlReader& r);
// [escalation]; absent: paging::builtin_policy() for every region (paging
// always escalates an unacknowledged page). Its regions must be among `region_ids`.
EscalationConfig parse_escalation(common::TomlReader& r, const std::set<std::string>& region_ids);

}  // namespace piket::dispatch
