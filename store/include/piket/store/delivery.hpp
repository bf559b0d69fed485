#pragma once
// The delivery aggregate: one channel of one page (owner: piket-notify;
// piket-inbound records delivery reports through notify's script API —
// docs/data-model.md, docs/paging.md).

#include <string>
#include <string_view>

#include "piket/store/keys_util.hpp"

namespace piket::store {

// delivery:{page}:{channel}: hash, one channel of a page.
inline std::string delivery_key(std::string_view page, std::string_view channel) {
  return detail::join({"delivery", page, channel});
}
// The delivery id "{page}:{channel}" (the member of notify:queue).
inline std::string delivery_id(std::string_view page, std::string_view channel) {
  return detail::join({page, channel});
}
// delivery:{id}: the hash of a delivery id.
inline std::string delivery_key(std::string_view delivery_id) {
  return detail::join({"delivery", delivery_id});
}
// pagekey:{case}:{step}:{person}:{channel}: one delivery per (case, step, person, channel).
inline std::string pagekey_key(std::string_view case_id, std::string_view step,
                               std::string_view person, std::string_view channel) {
  return detail::join({"pagekey", case_id, step, person, channel});
}
inline constexpr std::string_view kNotifyQueue = "notify:queue";
// notify:urgent: the urgent deliveries of notify:queue (an index: the claim
// takes them first; store/lua/lib/notify_queue.lua).
inline constexpr std::string_view kNotifyUrgent = "notify:urgent";
inline constexpr std::string_view kNotifyTimers = "notify:timers";
// notify:smsq:{person}, notify:smslast:{person}: SMS bundling.
inline std::string sms_queue_key(std::string_view person) {
  return detail::join({"notify", "smsq", person});
}
inline std::string sms_last_key(std::string_view person) {
  return detail::join({"notify", "smslast", person});
}
// smsbundle:{id}: one SMS that carried several pages.
inline std::string sms_bundle_key(std::string_view id) {
  return detail::join({"smsbundle", id});
}
// push:{person}: stream of push messages for the web app.
inline std::string push_key(std::string_view person) { return detail::join({"push", person}); }
// The person of a push:{person} key ("" for any other key).
inline std::string push_person_of_key(std::string_view key) {
  const auto prefix = push_key("");
  return key.starts_with(prefix) ? std::string(key.substr(prefix.size())) : std::string();
}

}  // namespace piket::store
