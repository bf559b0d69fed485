// VAPID (RFC 8292): the token verifies with the public key in the header,
// carries the push service's origin and an expiry from the injected Clock,
// and a tampered token or another key does not verify.

#include "piket/push/vapid.hpp"

#include <gtest/gtest.h>

#include "piket/push/base64url.hpp"

namespace piket::push {
namespace {

using namespace std::chrono_literals;

const common::Instant kNow = common::from_epoch_ms(1'796'000'000'000);  // 2026-11-29

TEST(Vapid, TheOriginOfAnEndpointIsItsSchemeHostAndPort) {
  EXPECT_EQ(endpoint_origin("https://push.example.net/wpush/v2/abc?x=1"),
            "https://push.example.net");
  EXPECT_EQ(endpoint_origin("http://127.0.0.1:8099/push/s1"), "http://127.0.0.1:8099");
  EXPECT_FALSE(endpoint_origin("ftp://push.example.net/x"));
  EXPECT_FALSE(endpoint_origin("/relative/path"));
  EXPECT_FALSE(endpoint_origin("https:///nohost"));
}

TEST(Vapid, TheHeaderCarriesATokenThatVerifiesWithItsKey) {
  const P256Key key = P256Key::generate();
  const auto header =
      vapid_authorization(key, "https://push.example.net", "mailto:piket@example.org", kNow);
  const auto creds = parse_vapid_authorization(header);
  ASSERT_TRUE(creds) << header;
  EXPECT_EQ(creds->public_key, base64url_encode(key.public_bytes()));

  const auto sent_key = P256Key::from_public(*base64url_decode(creds->public_key));
  ASSERT_TRUE(sent_key);
  const auto claims = verify_vapid_token(creds->token, *sent_key);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->audience, "https://push.example.net");
  EXPECT_EQ(claims->subject, "mailto:piket@example.org");
  const auto now_s = common::to_epoch_ms(kNow) / 1000;
  EXPECT_GT(claims->expires_s, now_s);
  EXPECT_LE(claims->expires_s, now_s + std::chrono::seconds(kVapidMaxLifetime).count());
}

TEST(Vapid, ATamperedTokenOrAnotherKeyDoesNotVerify) {
  const P256Key key = P256Key::generate();
  const std::string token =
      vapid_token(key, {"https://push.example.net", "mailto:piket@example.org", 1'796'043'200});
  ASSERT_TRUE(verify_vapid_token(token, key));
  EXPECT_FALSE(verify_vapid_token(token, P256Key::generate()));

  // Another audience in the payload, the signature kept.
  const auto dot1 = token.find('.');
  const auto dot2 = token.find('.', dot1 + 1);
  const std::string forged_payload = base64url_encode(
      R"({"aud":"https://evil.example","exp":1796043200,"sub":"mailto:piket@example.org"})");
  EXPECT_FALSE(
      verify_vapid_token(token.substr(0, dot1 + 1) + forged_payload + token.substr(dot2), key));

  std::string flipped = token;
  flipped[dot2 + 5] = flipped[dot2 + 5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verify_vapid_token(flipped, key));
  EXPECT_FALSE(verify_vapid_token(token.substr(0, dot2), key));
  EXPECT_FALSE(verify_vapid_token("a.b.c.d", key));
}

TEST(Vapid, TheAuthorizationHeaderIsParsedStrictly) {
  EXPECT_TRUE(parse_vapid_authorization("vapid t=a.b.c, k=BAAA"));
  EXPECT_TRUE(parse_vapid_authorization("vapid k=BAAA,t=a.b.c"));
  EXPECT_FALSE(parse_vapid_authorization("Bearer a.b.c"));
  EXPECT_FALSE(parse_vapid_authorization("vapid t=a.b.c"));
  EXPECT_FALSE(parse_vapid_authorization("vapid t=a.b.c, k=BAAA, x=1"));
}

TEST(Vapid, TheKeyRoundTripsThroughItsSecretFile) {
  const P256Key key = P256Key::generate();
  const auto again = vapid_key_from_secret(vapid_key_to_secret(key));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->public_bytes(), key.public_bytes());
  EXPECT_FALSE(vapid_key_from_secret("not base64url!"));
  EXPECT_FALSE(vapid_key_from_secret(base64url_encode("short")));
}

}  // namespace
}  // namespace piket::push
