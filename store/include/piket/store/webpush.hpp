#pragma once
// Web Push subscriptions (owner: piket-web, which registers and removes them;
// piket-notify removes one the push service says is gone). docs/data-model.md.

#include <string>
#include <string_view>

#include "piket/store/keys_util.hpp"

namespace piket::store {

// webpush:subs:{person}: hash, subscription id -> the subscription as JSON
// (endpoint, p256dh, auth, created_at); at most a few per person.
inline std::string webpush_subs_key(std::string_view person) {
  return detail::join({"webpush", "subs", person});
}

}  // namespace piket::store
