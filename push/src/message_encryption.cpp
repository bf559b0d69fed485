#include "piket/push/message_encryption.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <array>
#include <memory>
#include <stdexcept>

namespace piket::push {
namespace {

constexpr std::size_t kKeySize = 16;
constexpr std::size_t kNonceSize = 12;

unsigned char* ubytes(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}
const unsigned char* ubytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// HKDF-SHA-256 (RFC 5869), extract and expand, by OpenSSL's KDF.
std::string hkdf(std::string_view salt, std::string_view ikm, std::string_view info,
                 std::size_t length) {
  std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr),
                                                        &EVP_KDF_free);
  std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> ctx(
      kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr, &EVP_KDF_CTX_free);
  if (!ctx) throw std::runtime_error("HKDF: not available");
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(salt.data()),
                                        salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(ikm.data()),
                                        ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()),
                                        info.size()),
      OSSL_PARAM_construct_end()};
  std::string out(length, '\0');
  if (EVP_KDF_derive(ctx.get(), ubytes(out), out.size(), params) <= 0)
    throw std::runtime_error("HKDF: derivation failed");
  return out;
}

struct Keys {
  std::string cek;
  std::string nonce;
};

// RFC 8291 section 3.4 and RFC 8188 section 2.2: the content-encryption key
// and nonce of a message from the ECDH secret, both public keys, the auth
// secret and the salt.
Keys derive(std::string_view ecdh, std::string_view ua_public, std::string_view as_public,
            std::string_view auth, std::string_view salt) {
  std::string key_info("WebPush: info\0", 14);
  key_info.append(ua_public).append(as_public);
  const std::string ikm = hkdf(auth, ecdh, key_info, 32);
  return {hkdf(salt, ikm, std::string_view("Content-Encoding: aes128gcm\0", 28), kKeySize),
          hkdf(salt, ikm, std::string_view("Content-Encoding: nonce\0", 24), kNonceSize)};
}

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// AES-128-GCM of one record (the only record: sequence number 0, so the
// nonce is used as derived). Encrypting appends the tag; decrypting checks it.
std::optional<std::string> gcm(bool encrypting, const Keys& k, std::string_view in) {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx) throw std::runtime_error("AES-GCM: no context");
  if (!encrypting && in.size() < kTagSize) return std::nullopt;
  const std::string_view text = encrypting ? in : in.substr(0, in.size() - kTagSize);
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, ubytes(k.cek), ubytes(k.nonce),
                        encrypting ? 1 : 0) != 1)
    throw std::runtime_error("AES-GCM: init failed");
  std::string out(text.size() + kTagSize, '\0');
  int len = 0;
  int tail = 0;
  if (EVP_CipherUpdate(ctx.get(), ubytes(out), &len, ubytes(text), static_cast<int>(text.size())) !=
      1)
    return std::nullopt;
  if (!encrypting) {
    std::string tag(in.substr(text.size()));
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize),
                            tag.data()) != 1)
      return std::nullopt;
  }
  if (EVP_CipherFinal_ex(ctx.get(), ubytes(out) + len, &tail) != 1) return std::nullopt;
  len += tail;
  if (encrypting) {
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize),
                            ubytes(out) + len) != 1)
      throw std::runtime_error("AES-GCM: no tag");
    len += static_cast<int>(kTagSize);
  }
  out.resize(static_cast<std::size_t>(len));
  return out;
}

std::optional<std::string> refuse(EncryptError* error, std::string field, std::string reason) {
  if (error) *error = {std::move(field), std::move(reason)};
  return std::nullopt;
}

}  // namespace

std::optional<std::string> encrypt(std::string_view plaintext, const SubscriptionKeys& to,
                                   const SenderChoice& choice, EncryptError* error) {
  const auto receiver = P256Key::from_public(to.p256dh);
  if (!receiver) return refuse(error, "p256dh", "not an uncompressed P-256 point");
  if (to.auth.size() != kAuthSecretSize) return refuse(error, "auth", "must be 16 bytes");
  if (choice.salt.size() != kSaltSize) return refuse(error, "salt", "must be 16 bytes");
  if (plaintext.size() + choice.padding > kMaxPlaintext)
    return refuse(error, "plaintext", "longer than one 4096-byte record holds");

  const std::string as_public = choice.key.public_bytes();
  const Keys keys =
      derive(choice.key.shared_secret(*receiver), to.p256dh, as_public, to.auth, choice.salt);

  std::string record(plaintext);
  record.push_back('\x02');  // the last (and only) record
  record.append(choice.padding, '\0');

  std::string body(choice.salt);
  for (int shift = 24; shift >= 0; shift -= 8)
    body.push_back(static_cast<char>((kRecordSize >> shift) & 0xff));
  body.push_back(static_cast<char>(as_public.size()));
  body.append(as_public);
  body.append(*gcm(true, keys, record));
  return body;
}

std::optional<std::string> encrypt(std::string_view plaintext, const SubscriptionKeys& to,
                                   EncryptError* error) {
  const P256Key one_off = P256Key::generate();
  std::string salt(kSaltSize, '\0');
  if (RAND_bytes(ubytes(salt), static_cast<int>(salt.size())) != 1)
    throw std::runtime_error("random salt: RAND_bytes failed");
  return encrypt(plaintext, to, SenderChoice{one_off, std::move(salt)}, error);
}

std::optional<std::string> decrypt(std::string_view body, const P256Key& receiver,
                                   std::string_view auth) {
  if (body.size() < kHeaderSize + kTagSize + 1 || auth.size() != kAuthSecretSize)
    return std::nullopt;
  const std::string_view salt = body.substr(0, kSaltSize);
  std::uint32_t rs = 0;
  for (std::size_t i = 0; i < 4; ++i)
    rs = (rs << 8) | static_cast<unsigned char>(body[kSaltSize + i]);
  const auto idlen = static_cast<unsigned char>(body[kSaltSize + 4]);
  if (idlen != P256Key::kPublicSize) return std::nullopt;
  const auto sender = P256Key::from_public(body.substr(kSaltSize + 5, idlen));
  const std::string_view record = body.substr(kHeaderSize);
  if (!sender || record.size() > rs) return std::nullopt;  // one record only

  const Keys keys = derive(receiver.shared_secret(*sender), receiver.public_bytes(),
                           sender->public_bytes(), auth, salt);
  auto plain = gcm(false, keys, record);
  if (!plain) return std::nullopt;
  // Strip the padding: zeros after the delimiter, which must be 0x02 (last record).
  const auto end = plain->find_last_not_of('\0');
  if (end == std::string::npos || (*plain)[end] != '\x02') return std::nullopt;
  plain->resize(end);
  return plain;
}

}  // namespace piket::push
