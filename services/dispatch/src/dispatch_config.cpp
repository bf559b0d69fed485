#include "piket/dispatch/dispatch_config.hpp"

#include <regex>

#include "piket/common/toml_reader.hpp"

namespace piket::dispatch {

using common::set_if;
using common::TomlReader;

namespace {

const std::regex kZmqEndpoint{
    "^(tcp://[0-9a-zA-Z.*-]+:[0-9]{1,5}|ipc://[^ ]{1,200}|inproc://[^ ]{1,100})$"};

}  // namespace

DispatchConfig parse_dispatch(TomlReader& r) {
  DispatchConfig c;
  if (const auto* t = r.table(r.root(), "", "dispatch")) {
    r.only_known(*t, "dispatch.", {"http", "zmq", "workers"});
    set_if(r.integer(*t, "dispatch.", "workers", 1, 64), c.workers);
    set_if(r.host_port(*t, "dispatch.", "http"), c.http);
    set_if(r.matching(*t, "dispatch.", "zmq", false, kZmqEndpoint, "a ZeroMQ endpoint"),
           c.zmq_bind);
  }
  return c;
}

}  // namespace piket::dispatch
