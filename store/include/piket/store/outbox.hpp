#pragma once
// The outboxes: durable messages between services (owner: the receiver's
// sender, common/messaging.hpp; producers add in their own scripts through
// store/lua/lib/outbox_add.lua).

#include <string>
#include <string_view>

#include "piket/store/keys_util.hpp"

namespace piket::store {

// outbox:{channel}:due (zset id -> due, transport ms) and :data (hash id -> payload).
inline std::string outbox_due_key(std::string_view channel) {
  return detail::join({"outbox", channel, "due"});
}
inline std::string outbox_data_key(std::string_view channel) {
  return detail::join({"outbox", channel, "data"});
}

}  // namespace piket::store
