#pragma once
// A phone number in one form, so that the number a partner sends with an
// incident (persons[].phone) and the number Kannel gives for an incoming SMS
// are the same string: "+" and 8 to 15 digits (E.164). Spaces, dashes, dots
// and brackets are dropped, a leading "00" is the international prefix and a
// leading single "0" a Dutch national number (+31). Anything else (letters, a
// short code, too few or too many digits) is not a number piket can match.
//
// The store keeps no plain numbers in key names: phone_key_hash() is the part
// of a key that stands for a number (the family contact index,
// store/family_contact.hpp).

#include <optional>
#include <string>
#include <string_view>

#include "piket/common/crypto.hpp"

namespace piket::common {

inline std::optional<std::string> normalise_phone(std::string_view raw) {
  std::string digits;
  bool plus = false;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (c == '+' && digits.empty() && !plus) {
      plus = true;
    } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
      return std::nullopt;
    }
    if (digits.size() > 20) return std::nullopt;
  }
  std::string e164;
  if (plus) {
    e164 = digits;
  } else if (digits.rfind("00", 0) == 0) {
    e164 = digits.substr(2);
  } else if (digits.rfind('0', 0) == 0) {
    e164 = "31" + digits.substr(1);
  } else {
    e164 = digits;  // Kannel's international form without "+"
  }
  if (e164.size() < 8 || e164.size() > 15 || e164[0] == '0') return std::nullopt;
  return "+" + e164;
}

// SHA-256 (hex, the first 32 characters) of a normalised number.
inline std::string phone_key_hash(std::string_view normalised) {
  return sha256_hex(normalised).substr(0, 32);
}

}  // namespace piket::common
