#include "piket/common/crypto.hpp"

#include <sodium.h>

#include <array>
#include <stdexcept>

namespace piket::common {
namespace {
struct SodiumInit {
  SodiumInit() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  }
};
void ensure_init() { static SodiumInit once; }
}  // namespace

std::string sha256_hex(std::string_view data) {
  ensure_init();
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(data.data()),
                     data.size());
  std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return std::string(hex.data(), crypto_hash_sha256_BYTES * 2);
}

std::string random_base32(std::size_t n) {
  ensure_init();
  static constexpr std::string_view alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::string out(n, '0');
  for (auto& c : out) c = alphabet[randombytes_uniform(32)];
  return out;
}

std::string random_digits(std::size_t n) {
  ensure_init();
  std::string out(n, '0');
  for (auto& c : out) c = static_cast<char>('0' + randombytes_uniform(10));
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace piket::common
