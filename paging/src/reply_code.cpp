#include "piket/paging/reply_code.hpp"

#include <algorithm>

#include "piket/common/crypto.hpp"

namespace piket::paging {

using common::Millis;
using common::random_digits;

bool is_reply_code(std::string_view code) {
  return code.size() == kReplyCodeDigits &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string new_reply_code() {
  return random_digits(kReplyCodeDigits);
}

Millis reply_code_window(Millis longest_unanswered) {
  return std::max(longest_unanswered, Millis{0}) + kReplyCodeGrace;
}

std::string mask_phone(std::string_view number) {
  if (number.size() <= 3) return "\u2026";
  return "\u2026" + std::string(number.substr(number.size() - 3));
}

}  // namespace piket::paging
