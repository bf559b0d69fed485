#include "piket/push/p256_key.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <stdexcept>
#include <vector>

namespace piket::push {
namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using GroupPtr = std::unique_ptr<EC_GROUP, Deleter<EC_GROUP, EC_GROUP_free>>;
using PointPtr = std::unique_ptr<EC_POINT, Deleter<EC_POINT, EC_POINT_free>>;
using SigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;
using BldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;

constexpr const char* kGroup = "prime256v1";

[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string("P-256: ") + what + " failed");
}

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// A key from its parts; `scalar` may be null for a public key.
PkeyPtr build(std::string_view point, const BIGNUM* scalar) {
  BldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, kGroup, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        point.size()) ||
      (scalar && !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, scalar)))
    fail("parameters");
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  CtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0) fail("key context");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, scalar ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                        params.get()) <= 0)
    return nullptr;
  PkeyPtr key(raw);
  CtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check) fail("check context");
  const int ok = scalar ? EVP_PKEY_pairwise_check(check.get()) : EVP_PKEY_public_check(check.get());
  return ok == 1 ? std::move(key) : nullptr;
}

}  // namespace

struct P256Key::Handle {
  PkeyPtr key;
};

P256Key::P256Key(std::unique_ptr<Handle> h, bool has_private)
    : h_(std::move(h)), has_private_(has_private) {}
P256Key::P256Key(P256Key&&) noexcept = default;
P256Key& P256Key::operator=(P256Key&&) noexcept = default;
P256Key::~P256Key() = default;

P256Key P256Key::generate() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", kGroup));
  if (!key) fail("key generation");
  return P256Key(std::make_unique<Handle>(Handle{std::move(key)}), true);
}

std::optional<P256Key> P256Key::from_private(std::string_view scalar) {
  if (scalar.size() != kPrivateSize) return std::nullopt;
  BnPtr d(BN_bin2bn(bytes(scalar), static_cast<int>(scalar.size()), nullptr));
  GroupPtr group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  if (!d || !group) fail("private scalar");
  if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(group.get())) >= 0)
    return std::nullopt;
  PointPtr q(EC_POINT_new(group.get()));
  if (!q || !EC_POINT_mul(group.get(), q.get(), d.get(), nullptr, nullptr, nullptr))
    fail("public point");
  std::string point(kPublicSize, '\0');
  if (EC_POINT_point2oct(group.get(), q.get(), POINT_CONVERSION_UNCOMPRESSED,
                         reinterpret_cast<unsigned char*>(point.data()), point.size(),
                         nullptr) != kPublicSize)
    fail("public point encoding");
  auto key = build(point, d.get());
  if (!key) return std::nullopt;
  return P256Key(std::make_unique<Handle>(Handle{std::move(key)}), true);
}

std::optional<P256Key> P256Key::from_public(std::string_view point) {
  if (point.size() != kPublicSize || point[0] != '\x04') return std::nullopt;
  auto key = build(point, nullptr);
  if (!key) return std::nullopt;
  return P256Key(std::make_unique<Handle>(Handle{std::move(key)}), false);
}

std::string P256Key::public_bytes() const {
  std::string out(kPublicSize, '\0');
  std::size_t len = 0;
  if (!EVP_PKEY_get_octet_string_param(h_->key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
                                       reinterpret_cast<unsigned char*>(out.data()), out.size(),
                                       &len) ||
      len != kPublicSize || out[0] != '\x04')
    fail("public key export");
  return out;
}

std::string P256Key::private_bytes() const {
  if (!has_private_) throw std::logic_error("P-256: a public key has no private part");
  BIGNUM* raw = nullptr;
  if (!EVP_PKEY_get_bn_param(h_->key.get(), OSSL_PKEY_PARAM_PRIV_KEY, &raw))
    fail("private key export");
  BnPtr d(raw);
  std::string out(kPrivateSize, '\0');
  if (BN_bn2binpad(d.get(), reinterpret_cast<unsigned char*>(out.data()),
                   static_cast<int>(out.size())) != static_cast<int>(kPrivateSize))
    fail("private key export");
  return out;
}

std::string P256Key::shared_secret(const P256Key& peer) const {
  if (!has_private_) throw std::logic_error("P-256: ECDH needs a private key");
  CtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, h_->key.get(), nullptr));
  std::size_t len = 0;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer.h_->key.get()) <= 0 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &len) <= 0)
    fail("ECDH");
  std::string out(len, '\0');
  if (EVP_PKEY_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len) <= 0)
    fail("ECDH");
  out.resize(len);
  return out;
}

std::string P256Key::sign_es256(std::string_view data) const {
  if (!has_private_) throw std::logic_error("P-256: signing needs a private key");
  MdCtxPtr md(EVP_MD_CTX_new());
  std::size_t len = 0;
  if (!md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, h_->key.get()) <= 0 ||
      EVP_DigestSign(md.get(), nullptr, &len, bytes(data), data.size()) <= 0)
    fail("ES256 signing");
  std::vector<unsigned char> der(len);
  if (EVP_DigestSign(md.get(), der.data(), &len, bytes(data), data.size()) <= 0)
    fail("ES256 signing");
  const unsigned char* p = der.data();
  SigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)));
  if (!sig) fail("ES256 signature decoding");
  std::string out(kSignatureSize, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), o, 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), o + 32, 32) != 32)
    fail("ES256 signature encoding");
  return out;
}

bool P256Key::verify_es256(std::string_view data, std::string_view signature) const {
  if (signature.size() != kSignatureSize) return false;
  SigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes(signature), 32, nullptr);
  BIGNUM* s = BN_bin2bn(bytes(signature) + 32, 32, nullptr);
  if (!sig || !r || !s || !ECDSA_SIG_set0(sig.get(), r, s)) {
    BN_free(r);
    BN_free(s);
    fail("ES256 signature decoding");
  }
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_len <= 0) fail("ES256 signature encoding");
  std::unique_ptr<unsigned char, void (*)(unsigned char*)> der_owner(
      der, [](unsigned char* q) { OPENSSL_free(q); });
  MdCtxPtr md(EVP_MD_CTX_new());
  if (!md || EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, h_->key.get()) <= 0)
    fail("ES256 verification");
  return EVP_DigestVerify(md.get(), der, static_cast<std::size_t>(der_len), bytes(data),
                          data.size()) == 1;
}

}  // namespace piket::push
