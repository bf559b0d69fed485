#include "piket/cases/monitoring_set.hpp"

namespace piket::cases {

std::string monitoring_refresh_lua() {
  return R"lua(
local function piket_monitoring_refresh(id)
  local f = redis.call('HMGET', 'case:' .. id, 'state', 'phase')
  if f[1] == 'open' and (f[2] == 'handover' or f[2] == 'monitoring') then
    redis.call('SADD', 'cases:monitoring', id)
  else
    redis.call('SREM', 'cases:monitoring', id)
  end
end
)lua";
}

}  // namespace piket::cases
