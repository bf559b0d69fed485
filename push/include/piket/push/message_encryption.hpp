#pragma once
// Message encryption for Web Push (RFC 8291) in the aes128gcm content coding
// (RFC 8188): what a push service carries is unreadable to it; only the
// browser that made the subscription can read it.
//
// The body is one record: a header (salt, record size, the sender's one-off
// public key) and AES-128-GCM over the plaintext, the last-record delimiter
// 0x02 and zero padding. The key and nonce come from ECDH between the
// sender's one-off key and the subscription's p256dh key, mixed with the
// subscription's auth secret (HKDF-SHA-256).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "piket/push/p256_key.hpp"

namespace piket::push {

inline constexpr std::size_t kSaltSize = 16;
inline constexpr std::size_t kAuthSecretSize = 16;
inline constexpr std::size_t kHeaderSize = kSaltSize + 4 + 1 + P256Key::kPublicSize;  // 86
inline constexpr std::size_t kTagSize = 16;
// RFC 8291 section 4: a push service must accept 4096 bytes of body; one
// record of 4096 bytes holds at most 4096 - 86 - 16 - 1 plaintext bytes.
inline constexpr std::uint32_t kRecordSize = 4096;
inline constexpr std::size_t kMaxPlaintext = kRecordSize - kHeaderSize - kTagSize - 1;

// The receiving end of a subscription as the browser hands it over.
struct SubscriptionKeys {
  std::string p256dh;  // 65 bytes, uncompressed point
  std::string auth;    // 16 bytes
};

// What the sender chooses per message. Tests fix them; encrypt() draws them.
struct SenderChoice {
  const P256Key& key;  // one-off key pair (private part needed)
  std::string salt;    // 16 random bytes
  std::size_t padding = 0;
};

struct EncryptError {
  std::string field;  // "p256dh", "auth", "salt", "plaintext"
  std::string reason;
};

// The aes128gcm body of `plaintext` for `to`, with the sender's choices
// given. Empty optional and `error` set on keys or sizes that do not fit.
std::optional<std::string> encrypt(std::string_view plaintext, const SubscriptionKeys& to,
                                   const SenderChoice& choice, EncryptError* error = nullptr);

// The same with a fresh one-off key and a random salt: what a send uses.
std::optional<std::string> encrypt(std::string_view plaintext, const SubscriptionKeys& to,
                                   EncryptError* error = nullptr);

// The browser's side: the plaintext of a single-record aes128gcm `body` for
// the subscription whose private key is `receiver` and auth secret `auth`.
// Empty when the body is malformed or does not authenticate.
std::optional<std::string> decrypt(std::string_view body, const P256Key& receiver,
                                   std::string_view auth);

}  // namespace piket::push
