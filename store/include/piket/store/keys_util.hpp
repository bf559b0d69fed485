#pragma once
// How the key builders of piket/store/*.hpp join the parts of a key.

#include <initializer_list>
#include <string>
#include <string_view>

namespace piket::store::detail {

inline std::string join(std::initializer_list<std::string_view> parts) {
  std::string out;
  std::size_t n = 0;
  for (auto p : parts) n += p.size() + 1;
  out.reserve(n);
  bool first = true;
  for (auto p : parts) {
    if (!first) out += ':';
    out += p;
    first = false;
  }
  return out;
}

}  // namespace piket::store::detail
