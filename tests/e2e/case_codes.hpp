#pragma once
// Case codes in an SMS: one per page, in a single page's text ("zaak C…") and
// in a bundle's ("… HUISVERBOD C…; …") — how the whole-stack tests count pages
// at the phones.

#include <regex>
#include <string>
#include <vector>

namespace piket::e2e {

inline std::vector<std::string> case_codes(const std::string& text) {
  static const std::regex code{"\\bC[0-9A-Z]{8}\\b"};
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), code); it != std::sregex_iterator();
       ++it)
    out.push_back(it->str());
  return out;
}

}  // namespace piket::e2e
