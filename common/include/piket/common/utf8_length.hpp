#pragma once
// The length of UTF-8 text in characters (code points), as a person counts
// it and as a browser's maxlength nearly does: "één" is 3, not 5 bytes.

#include <cstddef>
#include <string_view>

namespace piket::common {

inline std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;  // not a continuation byte
  return n;
}

}  // namespace piket::common
