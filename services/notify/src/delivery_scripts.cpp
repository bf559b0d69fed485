#include "delivery_scripts.hpp"

#include <string>

#include "piket/store/lua.hpp"

namespace piket::notify::scripts {

const common::RedisScript& expand() {
  static const common::RedisScript s{std::string(lua::notify_expand())};
  return s;
}

const common::RedisScript& load() {
  static const common::RedisScript s{std::string(lua::notify_page_load())};
  return s;
}

const common::RedisScript& apply() {
  static const common::RedisScript s{std::string(lua::notify_apply())};
  return s;
}

const common::RedisScript& claim() {
  static const common::RedisScript s{std::string(lua::notify_claim())};
  return s;
}

const common::RedisScript& join() {
  static const common::RedisScript s{std::string(lua::notify_join())};
  return s;
}

const common::RedisScript& complete() {
  static const common::RedisScript s{std::string(lua::notify_complete())};
  return s;
}

const common::RedisScript& push() {
  static const common::RedisScript s{std::string(lua::notify_push())};
  return s;
}

}  // namespace piket::notify::scripts
