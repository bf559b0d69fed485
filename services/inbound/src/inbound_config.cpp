#include "piket/inbound/inbound_config.hpp"

#include "piket/common/toml_reader.hpp"

namespace piket::inbound {

InboundConfig parse_inbound(common::TomlReader& r) {
  InboundConfig c;
  if (const auto* t = r.table(r.root(), "", "inbound")) {
    r.only_known(*t, "inbound.", {"http", "threads", "code_max_failures", "code_lock_minutes"});
    common::set_if(r.host_port(*t, "inbound.", "http"), c.http);
    common::set_if(r.integer(*t, "inbound.", "threads", 1, 64), c.threads);
    common::set_if(r.integer(*t, "inbound.", "code_max_failures", 1, 20), c.code_max_failures);
    if (auto v = r.integer(*t, "inbound.", "code_lock_minutes", 1, 24 * 60))
      c.code_lock = std::chrono::minutes{*v};
  }
  return c;
}

}  // namespace piket::inbound
