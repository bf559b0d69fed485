#pragma once
// Key names and small helpers shared by the calendar-token sources (not public API).

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "piket/store/session.hpp"

namespace piket::access::detail {

inline constexpr std::size_t kRandomChars = 32;

inline std::string token_key(const std::string& hash) {
  return store::caltoken_key(hash);
}
inline std::string index_key(const std::string& person) {
  return store::caltokens_key(person);
}

inline std::int64_t to_ms(const std::string& s) {
  try {
    return s.empty() ? 0 : std::stoll(s);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace piket::access::detail
