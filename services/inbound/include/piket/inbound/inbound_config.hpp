#pragma once
// Inbound's section of the deployment file: [inbound] (docs/configuration.md,
// "Who parses what").

#include "piket/common/config.hpp"

namespace piket::inbound {

struct InboundConfig {
  common::HostPort http{"127.0.0.1", 8083};
  // HTTP threads. Kannel sends its reports on several connections at once; the reports the
  // threads hold together are written with one script call (report_batch.hpp), so more
  // threads make larger batches under load, not more Redis writes.
  int threads = 4;
  // Wrong reply codes: `code_max_failures` within `code_lock` from one number,
  // or against one person, lock that number (or person's SMS answers) for
  // `code_lock` (docs/paging.md, "Reply codes").
  int code_max_failures = 5;
  common::Millis code_lock{15 * 60 * 1000};
};

// [inbound].
InboundConfig parse_inbound(common::TomlReader& r);

}  // namespace piket::inbound
