#include "piket/common/crypto.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace piket::common {
namespace {
struct SodiumInit {
  SodiumInit() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  }
};
void ensure_init() {
  static SodiumInit once;
}
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

// One randombytes_buf per identifier, not one call per character: libsodium's
// implementation here is the system's (one getrandom syscall per call), and
// ingest and dispatch make several identifiers per incident.
std::string random_base32(std::size_t n) {
  ensure_init();
  static constexpr std::string_view alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::string out(n, '0');
  if (n == 0) return out;
  randombytes_buf(out.data(), n);
  // 256 is a multiple of 32: the low five bits of a uniform byte are uniform.
  for (auto& c : out) c = alphabet[static_cast<unsigned char>(c) & 31U];
  return out;
}

std::string random_digits(std::size_t n) {
  ensure_init();
  std::string out;
  out.reserve(n);
  std::array<unsigned char, 64> bytes{};
  while (out.size() < n) {
    const auto want = std::min(bytes.size(), n - out.size() + n / 16 + 1);
    randombytes_buf(bytes.data(), want);
    // Bytes of 250 and above are dropped, so that each digit is equally likely.
    for (std::size_t k = 0; k < want && out.size() < n; ++k)
      if (bytes[k] < 250) out += static_cast<char>('0' + bytes[k] % 10);
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace piket::common
