#include "piket/push/subscriptions.hpp"

#include <algorithm>

#include "piket/store/lua.hpp"
#include "piket/store/webpush.hpp"

namespace piket::push {
namespace {

// KEYS, ARGV and reply: store/lua/web/web_push_subscribe.lua.
const common::RedisScript& subscribe_script() {
  static const common::RedisScript s{std::string(lua::web_push_subscribe())};
  return s;
}

// KEYS, ARGV and reply: store/lua/notify/notify_webpush_gone.lua.
const common::RedisScript& gone_script() {
  static const common::RedisScript s{std::string(lua::notify_webpush_gone())};
  return s;
}

}  // namespace

Subscriptions::Added Subscriptions::add(const std::string& person, const Subscription& s) {
  const auto r = redis_.eval(subscribe_script(), {store::webpush_subs_key(person)},
                             {s.id, s.to_json(), std::to_string(kMaxSubscriptionsPerPerson)});
  if (r.integer == 1) return Added::added;
  if (r.integer == 2) return Added::renewed;
  return Added::full;
}

std::vector<Subscription> Subscriptions::list(const std::string& person) {
  std::vector<Subscription> out;
  const auto all = redis_.command({"HGETALL", store::webpush_subs_key(person)});
  for (std::size_t i = 1; i < all.elements.size(); i += 2)
    if (auto s = Subscription::from_json(all.elements[i].str)) out.push_back(std::move(*s));
  std::sort(out.begin(), out.end(), [](const Subscription& a, const Subscription& b) {
    return a.created_at < b.created_at;
  });
  return out;
}

std::optional<Subscription> Subscriptions::find(const std::string& person, const std::string& id) {
  const auto v = redis_.command({"HGET", store::webpush_subs_key(person), id}).opt_string();
  if (!v) return std::nullopt;
  return Subscription::from_json(*v);
}

bool Subscriptions::remove(const std::string& person, const std::string& id) {
  return redis_.command({"HDEL", store::webpush_subs_key(person), id}).integer == 1;
}

bool Subscriptions::remove_gone(const std::string& person, const Subscription& s) {
  return redis_.eval(gone_script(), {store::webpush_subs_key(person)}, {s.id, s.to_json()})
             .integer == 1;
}

}  // namespace piket::push
