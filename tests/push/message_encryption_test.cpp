// RFC 8291 message encryption against the RFC's own worked example (section 5),
// byte for byte, and round trips through the receiving side.

#include "piket/push/message_encryption.hpp"

#include <gtest/gtest.h>

#include "piket/push/base64url.hpp"

namespace piket::push {
namespace {

// RFC 8291 section 5, "Push Message Encryption Example".
constexpr std::string_view kPlaintext = "When I grow up, I want to be a watermelon";
constexpr std::string_view kAsPrivate = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
constexpr std::string_view kAsPublic =
    "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
constexpr std::string_view kUaPublic =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
constexpr std::string_view kUaPrivate = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
constexpr std::string_view kSalt = "DGv6ra1nlYgDCS1FRnbzlw";
constexpr std::string_view kAuth = "BTBZMqHH6r4Tts7J_aSIgg";
constexpr std::string_view kBody =
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS"
    "6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qu"
    "lcy4a-fN";

std::string b64(std::string_view text) {
  auto out = base64url_decode(text);
  if (!out) throw std::invalid_argument("bad base64url in test vector");
  return *out;
}

SubscriptionKeys rfc_subscription() {
  return {b64(kUaPublic), b64(kAuth)};
}

TEST(Base64Url, RoundTripsAndRefusesPaddingAndTheStandardAlphabet) {
  const std::string bytes("\xfb\xff\x00\x01", 4);
  EXPECT_EQ(base64url_encode(bytes), "-_8AAQ");
  EXPECT_EQ(base64url_decode("-_8AAQ"), bytes);
  EXPECT_FALSE(base64url_decode("-_8AAQ=="));
  EXPECT_FALSE(base64url_decode("+/8AAQ"));
}

TEST(P256Key, ThePrivateKeyOfTheExampleGivesItsPublicKey) {
  const auto as = P256Key::from_private(b64(kAsPrivate));
  ASSERT_TRUE(as);
  EXPECT_EQ(base64url_encode(as->public_bytes()), kAsPublic);
  EXPECT_EQ(base64url_encode(as->private_bytes()), kAsPrivate);
}

TEST(P256Key, RefusesPointsOffTheCurveAndBadScalars) {
  std::string point = b64(kUaPublic);
  EXPECT_TRUE(P256Key::from_public(point));
  point[40] = static_cast<char>(point[40] ^ 1);
  EXPECT_FALSE(P256Key::from_public(point));
  EXPECT_FALSE(P256Key::from_public(b64(kUaPublic).substr(0, 33)));  // compressed size
  EXPECT_FALSE(P256Key::from_private(std::string(32, '\0')));
  EXPECT_FALSE(P256Key::from_private(std::string(32, '\xff')));  // above the group order
  EXPECT_FALSE(P256Key::from_private("short"));
}

TEST(MessageEncryption, ReproducesTheWorkedExampleOfRfc8291ByteForByte) {
  const auto as = P256Key::from_private(b64(kAsPrivate));
  ASSERT_TRUE(as);
  EncryptError error;
  const auto body = encrypt(kPlaintext, rfc_subscription(), SenderChoice{*as, b64(kSalt)}, &error);
  ASSERT_TRUE(body) << error.field << ": " << error.reason;
  EXPECT_EQ(base64url_encode(*body), kBody);
}

TEST(MessageEncryption, TheReceiverOfTheExampleDecryptsTheRfcsBody) {
  const auto ua = P256Key::from_private(b64(kUaPrivate));
  ASSERT_TRUE(ua);
  EXPECT_EQ(base64url_encode(ua->public_bytes()), kUaPublic);
  EXPECT_EQ(decrypt(b64(kBody), *ua, b64(kAuth)), kPlaintext);
}

TEST(MessageEncryption, RoundTripsWithFreshKeysAndPadding) {
  const P256Key receiver = P256Key::generate();
  const std::string auth = b64("AAECAwQFBgcICQoLDA0ODw");
  const SubscriptionKeys to{receiver.public_bytes(), auth};
  const std::string message = R"({"kind":"page","id":"P0001"})";

  const auto one = encrypt(message, to);
  const auto two = encrypt(message, to);
  ASSERT_TRUE(one && two);
  EXPECT_NE(*one, *two);  // a fresh salt and one-off key each time
  EXPECT_EQ(decrypt(*one, receiver, auth), message);
  EXPECT_EQ(decrypt(*two, receiver, auth), message);

  const P256Key sender = P256Key::generate();
  const auto padded = encrypt(message, to, SenderChoice{sender, std::string(16, 's'), 100});
  ASSERT_TRUE(padded);
  EXPECT_EQ(padded->size(), kHeaderSize + message.size() + 1 + 100 + kTagSize);
  EXPECT_EQ(decrypt(*padded, receiver, auth), message);
}

TEST(MessageEncryption, OnlyTheSubscriptionCanReadIt) {
  const P256Key receiver = P256Key::generate();
  const std::string auth(16, 'a');
  const auto body = encrypt("secret", {receiver.public_bytes(), auth});
  ASSERT_TRUE(body);
  EXPECT_FALSE(decrypt(*body, P256Key::generate(), auth));       // another browser
  EXPECT_FALSE(decrypt(*body, receiver, std::string(16, 'b')));  // another auth secret
  std::string tampered = *body;
  tampered.back() = static_cast<char>(tampered.back() ^ 1);
  EXPECT_FALSE(decrypt(tampered, receiver, auth));
  EXPECT_FALSE(decrypt(body->substr(0, kHeaderSize + 3), receiver, auth));
}

TEST(MessageEncryption, RefusesBadKeysAndOversizedMessagesNamingTheField) {
  const P256Key receiver = P256Key::generate();
  EncryptError error;
  EXPECT_FALSE(encrypt("x", {"not a key", std::string(16, 'a')}, &error));
  EXPECT_EQ(error.field, "p256dh");
  EXPECT_FALSE(encrypt("x", {receiver.public_bytes(), "short"}, &error));
  EXPECT_EQ(error.field, "auth");
  EXPECT_FALSE(encrypt(std::string(kMaxPlaintext + 1, 'x'),
                       {receiver.public_bytes(), std::string(16, 'a')}, &error));
  EXPECT_EQ(error.field, "plaintext");
  const auto longest =
      encrypt(std::string(kMaxPlaintext, 'x'), {receiver.public_bytes(), std::string(16, 'a')});
  ASSERT_TRUE(longest);
  EXPECT_EQ(longest->size(), kRecordSize);
}

}  // namespace
}  // namespace piket::push
