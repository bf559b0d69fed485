// push::Subscriptions against a private redis-server (label redis), as the
// Redis users that use it: "web" registers and removes, "notify" reads and
// removes the ones a push service says are gone.

#include <gtest/gtest.h>

#include "piket/push/base64url.hpp"
#include "piket/push/subscriptions.hpp"
#include "private_redis.hpp"

namespace piket::push {
namespace {

Subscription sub(const std::string& endpoint, std::int64_t at_ms) {
  const auto key = P256Key::generate();
  return {subscription_id(endpoint), endpoint, base64url_encode(key.public_bytes()),
          base64url_encode(std::string(16, 'a')), common::from_epoch_ms(at_ms)};
}

TEST(SubscriptionsRedis, AddListRenewRemoveAndGone) {
  test::PrivateRedis redis("piket-webpush-subs");
  common::RedisConnection web(redis.config_as("web"));
  common::RedisConnection notify(redis.config_as("notify"));
  Subscriptions as_web(web);
  Subscriptions as_notify(notify);

  for (std::size_t i = 0; i < kMaxSubscriptionsPerPerson; ++i)
    EXPECT_EQ(as_web.add("anna", sub("https://p.example/" + std::to_string(i), 100 + i)),
              Subscriptions::Added::added);
  EXPECT_EQ(as_web.add("anna", sub("https://p.example/x", 200)), Subscriptions::Added::full);
  const auto renewed = sub("https://p.example/0", 300);
  EXPECT_EQ(as_web.add("anna", renewed), Subscriptions::Added::renewed);

  auto all = as_notify.list("anna");
  ASSERT_EQ(all.size(), kMaxSubscriptionsPerPerson);
  EXPECT_EQ(all.front().endpoint, "https://p.example/1");  // oldest first
  EXPECT_EQ(all.back().p256dh, renewed.p256dh);

  EXPECT_TRUE(as_web.remove("anna", all.front().id));
  EXPECT_FALSE(as_web.remove("anna", all.front().id));
  EXPECT_FALSE(as_notify.remove_gone("anna", sub("https://p.example/0", 100)));  // renewed since
  EXPECT_TRUE(as_notify.remove_gone("anna", all.back()));
  EXPECT_EQ(as_notify.list("anna").size(), kMaxSubscriptionsPerPerson - 2);
  EXPECT_TRUE(as_notify.list("bram").empty());
}

}  // namespace
}  // namespace piket::push
