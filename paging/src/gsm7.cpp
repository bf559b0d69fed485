#include "piket/paging/gsm7.hpp"

namespace piket::paging {

bool is_gsm7_basic(std::string_view text) {
  static const std::string_view allowed =
      "@$\n\r _!\"#%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ"
      "abcdefghijklmnopqrstuvwxyz";
  for (char c : text)
    if (allowed.find(c) == std::string_view::npos) return false;
  return true;
}

}  // namespace piket::paging
