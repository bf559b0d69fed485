#pragma once
// Web Push subscriptions (owner: piket-web, which registers and removes them;
// piket-notify removes one the push service says is gone) and the messages
// waiting to be tried again (owner: piket-notify's sender). docs/data-model.md.

#include <string>
#include <string_view>

#include "piket/store/keys_util.hpp"

namespace piket::store {

// webpush:subs:{person}: hash, subscription id -> the subscription as JSON
// (endpoint, p256dh, auth, created_at); at most a few per person.
inline std::string webpush_subs_key(std::string_view person) {
  return detail::join({"webpush", "subs", person});
}

// webpush:retry:due: zset, job id -> when (transport ms) to try again, or
// the end of the lease of a sender that took it.
inline constexpr std::string_view kWebpushRetryDue = "webpush:retry:due";
// webpush:retry:data: hash, job id -> the job as JSON (person, subscription
// id, payload, ttl_s, urgent, attempt).
inline constexpr std::string_view kWebpushRetryData = "webpush:retry:data";

// webpush:retries:{person}:{subscription}: set, the job ids waiting for one
// subscription (its bound; all forgotten when the subscription is gone).
inline std::string webpush_retries_key(std::string_view person, std::string_view subscription) {
  return detail::join({"webpush", "retries", person, subscription});
}

}  // namespace piket::store
