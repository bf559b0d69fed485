#pragma once
// Password hashes for signing in: Argon2id (Debian's libargon2) in the PHC
// encoded form "$argon2id$v=19$m=…,t=…,p=…$salt$hash" that [[people]]
// password_argon2 holds. piket-passwd makes one.

#include <cstdint>
#include <string>
#include <string_view>

namespace piket::web {

struct Argon2Params {
  std::uint32_t time_cost = 3;
  std::uint32_t memory_kib = 64 * 1024;
  std::uint32_t parallelism = 1;
};

// A fresh random salt each call. Throws std::runtime_error if libargon2 fails
// (e.g. out of memory) and std::invalid_argument for an empty password.
std::string hash_password(std::string_view password, const Argon2Params& params = {});

// True when `password` matches `encoded`. False for a wrong password and for
// an encoded hash that is not a valid Argon2id hash.
bool verify_password(const std::string& encoded, std::string_view password);

}  // namespace piket::web
