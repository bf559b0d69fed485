#pragma once
// [family]: when a family's message (issue 18) that nobody acknowledged goes
// to the team lead (docs/configuration.md, docs/paging.md "Family messages").
//   urgent_minutes = 60   an urgent message (5 … 240)
//   morning_hour = 9      any other: by the next morning at this hour,
//                         Europe/Amsterdam (0 … 23) …
//   longest_hours = 24    … but never later than this after it came (1 … 24)

#include "piket/common/clock.hpp"

namespace piket::common {
class TomlReader;
}

namespace piket::dispatch {

struct FamilyPolicy {
  common::Millis urgent{3600 * 1000};
  int morning_hour = 9;  // Europe/Amsterdam
  common::Millis longest{24 * 3600 * 1000};
  // How often an open message's pages are looked at for an acknowledgement.
  common::Millis check_every{60 * 1000};
  // How long after the team lead's page the router still watches for one.
  common::Millis watch{24 * 3600 * 1000};
};

// [family]; the defaults without it.
FamilyPolicy parse_family(common::TomlReader& r);

}  // namespace piket::dispatch
