#pragma once
// Hashes and random identifiers (libsodium).

#include <cstddef>
#include <string>
#include <string_view>

namespace piket::common {

// Lower-case hex SHA-256.
std::string sha256_hex(std::string_view data);

// `n` random characters of Crockford base32 (0-9, A-Z without I L O U):
// easy to read aloud and to type in an SMS.
std::string random_base32(std::size_t n);

// `n` random decimal digits.
std::string random_digits(std::size_t n);

// Constant-time comparison of equal-length strings.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace piket::common
