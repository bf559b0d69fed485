#pragma once
// What fits an SMS: the GSM 03.38 7-bit alphabet.
//
// piket's texts use only the part of the basic character set that is also
// ASCII (letters, digits, space, line breaks and @$_!"#%&'()*+,-./:;<=>?):
// one byte is one septet, and no gateway's charset conversion can change a
// character. Letters such as e-trema or e-acute (UTF-8, two bytes) and the
// characters of the extension table ([ ] { } \ ^ ~ | and the euro sign, which
// cost two septets) are refused.

#include <string_view>

namespace piket::paging {

// Characters in one segment of a single (not concatenated) SMS.
inline constexpr std::size_t kSmsSegmentChars = 160;

// True if every character is in the ASCII part of the GSM 03.38 basic set.
bool is_gsm7_basic(std::string_view text);

// True if the text is GSM-7 basic and fits one segment.
inline bool fits_one_segment(std::string_view text) {
  return text.size() <= kSmsSegmentChars && is_gsm7_basic(text);
}

}  // namespace piket::paging
