#pragma once
// Dispatch's section of the deployment file: [dispatch] (docs/configuration.md,
// "Who parses what"). [escalation] is paging's (paging/escalation_config.hpp).

#include <string>
#include <vector>

#include "piket/common/config.hpp"

namespace piket::dispatch {

struct DispatchConfig {
  common::HostPort http{"127.0.0.1", 8081};
  std::string zmq_bind = "tcp://127.0.0.1:7101";
  // Every dispatch instance's endpoint, which the senders connect to
  // (`zmq_peers`); empty: `zmq_bind` alone.
  std::vector<std::string> zmq_peers;
  int workers = 4;  // incidents handled concurrently
};

// [dispatch].
DispatchConfig parse_dispatch(common::TomlReader& r);

}  // namespace piket::dispatch
