#pragma once
// Case codes in an SMS: one per page, in a single page's text ("zaak C…") and
// in a bundle's ("… HUISVERBOD C…; …") — how the whole-stack tests count pages
// at the phones; and the six-digit reply codes an SMS shows, one per page.

#include <regex>
#include <string>
#include <vector>

namespace piket::e2e {

// Every match of `code` in `text`, in order.
inline std::vector<std::string> codes_in(const std::string& text, const std::regex& code) {
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), code); it != std::sregex_iterator();
       ++it)
    out.push_back(it->str());
  return out;
}

inline std::vector<std::string> case_codes(const std::string& text) {
  static const std::regex code{"\\bC[0-9A-Z]{8}\\b"};
  return codes_in(text, code);
}

inline std::vector<std::string> reply_codes(const std::string& text) {
  static const std::regex code{"\\b[0-9]{6}\\b"};
  return codes_in(text, code);
}

}  // namespace piket::e2e
