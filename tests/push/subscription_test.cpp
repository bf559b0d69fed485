// A browser's subscription JSON validated: bounded, https (http to this
// machine only when allowed), keys that RFC 8291 can use; each refusal names
// its field.

#include "piket/push/subscription.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "piket/push/base64url.hpp"

namespace piket::push {
namespace {

namespace json = boost::json;

const common::Instant kNow = common::from_epoch_ms(1'796'000'000'000);
const std::string kP256dh =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
const std::string kAuth = "BTBZMqHH6r4Tts7J_aSIgg";

json::object browser(std::string endpoint, std::string p256dh = kP256dh, std::string auth = kAuth) {
  return json::object{{"endpoint", endpoint},
                      {"expirationTime", nullptr},
                      {"keys", json::object{{"p256dh", p256dh}, {"auth", auth}}}};
}

std::string field_of(const std::variant<Subscription, FieldError>& v) {
  const auto* e = std::get_if<FieldError>(&v);
  return e ? e->field : "";
}

TEST(Subscription, TheBrowsersJsonIsAccepted) {
  const auto v =
      parse_subscription(browser("https://push.example.net/wpush/v2/gAAAAABk"), {}, kNow);
  const auto* s = std::get_if<Subscription>(&v);
  ASSERT_TRUE(s) << field_of(v);
  EXPECT_EQ(s->id, subscription_id("https://push.example.net/wpush/v2/gAAAAABk"));
  EXPECT_EQ(s->id.size(), 16u);
  EXPECT_EQ(s->keys().p256dh.size(), 65u);
  EXPECT_EQ(s->keys().auth.size(), 16u);
  const auto again = Subscription::from_json(s->to_json());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->endpoint, s->endpoint);
  EXPECT_EQ(again->p256dh, s->p256dh);
  EXPECT_EQ(again->auth, s->auth);
  EXPECT_EQ(again->created_at, kNow);
}

TEST(Subscription, EndpointsMustBeHttpsUnlessLocalAndAllowed) {
  EXPECT_EQ(field_of(parse_subscription(browser("http://push.example.net/x"), {}, kNow)),
            "endpoint");
  EXPECT_EQ(field_of(parse_subscription(browser("http://127.0.0.1:9000/x"), {}, kNow)), "endpoint");
  const SubscriptionRules local{true};
  EXPECT_EQ(field_of(parse_subscription(browser("http://127.0.0.1:9000/x"), local, kNow)), "");
  EXPECT_EQ(field_of(parse_subscription(browser("http://localhost:9000/x"), local, kNow)), "");
  EXPECT_EQ(field_of(parse_subscription(browser("http://push.example.net/x"), local, kNow)),
            "endpoint");
  EXPECT_EQ(field_of(parse_subscription(browser("https://user@push.example.net/x"), {}, kNow)),
            "endpoint");
  EXPECT_EQ(field_of(parse_subscription(browser("/relative"), {}, kNow)), "endpoint");
  EXPECT_EQ(field_of(parse_subscription(browser(""), {}, kNow)), "endpoint");
  EXPECT_EQ(
      field_of(parse_subscription(
          browser("https://push.example.net/" + std::string(kMaxEndpointLength, 'a')), {}, kNow)),
      "endpoint");
  EXPECT_EQ(field_of(parse_subscription(json::object{{"keys", json::object{}}}, {}, kNow)),
            "endpoint");
}

TEST(Subscription, KeysMustBeAPointOnTheCurveAndASixteenByteSecret) {
  const std::string ok = "https://push.example.net/x";
  EXPECT_EQ(field_of(parse_subscription(json::object{{"endpoint", ok}}, {}, kNow)), "keys");
  EXPECT_EQ(field_of(parse_subscription(browser(ok, "AAAA"), {}, kNow)), "keys.p256dh");
  EXPECT_EQ(field_of(parse_subscription(browser(ok, std::string(200, 'A')), {}, kNow)),
            "keys.p256dh");
  std::string off_curve = *base64url_decode(kP256dh);
  off_curve[40] = static_cast<char>(off_curve[40] ^ 1);
  EXPECT_EQ(field_of(parse_subscription(browser(ok, base64url_encode(off_curve)), {}, kNow)),
            "keys.p256dh");
  EXPECT_EQ(field_of(parse_subscription(browser(ok, kP256dh, "AAAA"), {}, kNow)), "keys.auth");
  EXPECT_EQ(field_of(parse_subscription(browser(ok, kP256dh, kAuth + "=="), {}, kNow)),
            "keys.auth");
}

}  // namespace
}  // namespace piket::push
