#include "piket/dispatch/dispatch_config.hpp"

#include "piket/common/toml_reader.hpp"

namespace piket::dispatch {

using common::set_if;
using common::TomlReader;

DispatchConfig parse_dispatch(TomlReader& r) {
  DispatchConfig c;
  if (const auto* t = r.table(r.root(), "", "dispatch")) {
    r.only_known(*t, "dispatch.", {"http", "zmq", "zmq_peers", "workers"});
    set_if(r.integer(*t, "dispatch.", "workers", 1, 64), c.workers);
    set_if(r.host_port(*t, "dispatch.", "http"), c.http);
    set_if(r.matching(*t, "dispatch.", "zmq", false, common::zmq_endpoint_pattern(),
                      "a ZeroMQ endpoint"),
           c.zmq_bind);
    c.zmq_peers = common::zmq_peer_list(r, *t, "dispatch.");
  }
  return c;
}

}  // namespace piket::dispatch
