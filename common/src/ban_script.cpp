#include "piket/common/ban_script.hpp"

#include "piket/store/lua.hpp"

namespace piket::common {

std::string ban_lua() {
  return std::string(lua::ban());
}

}  // namespace piket::common
