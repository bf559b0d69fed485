#include "piket/web/password.hpp"

#include <argon2.h>
#include <sodium.h>

#include <stdexcept>
#include <vector>

namespace piket::web {

std::string hash_password(std::string_view password, const Argon2Params& params) {
  if (password.empty()) throw std::invalid_argument("empty password");
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot be initialised");
  unsigned char salt[16];
  randombytes_buf(salt, sizeof salt);
  constexpr std::size_t hash_len = 32;
  const auto len = argon2_encodedlen(params.time_cost, params.memory_kib, params.parallelism,
                                     sizeof salt, hash_len, Argon2_id);
  std::vector<char> encoded(len);
  const int rc = argon2id_hash_encoded(params.time_cost, params.memory_kib, params.parallelism,
                                       password.data(), password.size(), salt, sizeof salt,
                                       hash_len, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) throw std::runtime_error(std::string("argon2: ") + argon2_error_message(rc));
  return std::string(encoded.data());
}

bool verify_password(const std::string& encoded, std::string_view password) {
  if (encoded.rfind("$argon2id$", 0) != 0) return false;
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

}  // namespace piket::web
