#pragma once
// An elliptic-curve key on P-256 (prime256v1), the one curve Web Push uses:
// the subscription's key (p256dh), the sender's one-off key of each message
// (RFC 8291) and the VAPID signing key (RFC 8292). An RAII owner of an
// OpenSSL EVP_PKEY; move-only. Keys travel as raw bytes: a public key as the
// 65-byte uncompressed point (0x04 || X || Y), a private key as its 32-byte
// scalar.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace piket::push {

class P256Key {
 public:
  static constexpr std::size_t kPublicSize = 65;
  static constexpr std::size_t kPrivateSize = 32;
  static constexpr std::size_t kSignatureSize = 64;  // ES256: r || s

  // A fresh random key pair.
  static P256Key generate();
  // The key pair of a 32-byte private scalar; empty when it is not one.
  static std::optional<P256Key> from_private(std::string_view scalar);
  // A public key only; empty unless `point` is an uncompressed point on the curve.
  static std::optional<P256Key> from_public(std::string_view point);

  P256Key(P256Key&&) noexcept;
  P256Key& operator=(P256Key&&) noexcept;
  ~P256Key();

  bool has_private() const { return has_private_; }
  std::string public_bytes() const;
  // Throws std::logic_error for a public-only key.
  std::string private_bytes() const;

  // ECDH: the 32-byte shared secret with `peer`'s public key. Needs the private key.
  std::string shared_secret(const P256Key& peer) const;

  // ECDSA with SHA-256 over `data`, as JWS wants it (RFC 7518 section 3.4):
  // r and s, 32 bytes each. Needs the private key.
  std::string sign_es256(std::string_view data) const;
  bool verify_es256(std::string_view data, std::string_view signature) const;

 private:
  struct Handle;
  P256Key(std::unique_ptr<Handle> h, bool has_private);
  std::unique_ptr<Handle> h_;
  bool has_private_ = false;
};

}  // namespace piket::push
