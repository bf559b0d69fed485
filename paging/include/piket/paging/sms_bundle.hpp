#pragma once
// One SMS for several pages to the same person (docs/paging.md, "Bundling"):
//
//   piket 3 oproepen: 123456 OPGESCHAALD CODE ROOD C12345678; 234567
//   HUISVERBOD C23456789; info HUISVERBOD AFGELOPEN C34567890. Stuur een code
//   om aan te nemen.
//
// Every page that asks for an answer is listed with its reply code (a reply
// with one code answers that page only, as with a single page); a page that
// is information is listed as "info …" without one. Most urgent first (rank,
// then age). Built only from the pages' briefs (paging::is_page_brief) and
// reply codes: no person data can reach it. GSM-7 basic characters only; one
// segment when it fits, never more than kBundleMaxSegments: pages that do not
// fit are counted ("+2 meer in de app.") and left for a later SMS. The frame
// is in the recipient's language (bundle.* in i18n/<lang>/piket.po); the
// lines were rendered in it when each page was made.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "piket/common/clock.hpp"
#include "piket/i18n/language.hpp"

namespace piket::paging {

inline constexpr int kBundleMaxSegments = 3;

// GSM-7 segments the text needs: 1 up to 160 characters, else 153 a part
// (the rest of a part is the concatenation header). Counts basic-set
// characters only (is_gsm7_basic): each is one septet.
int gsm7_segments(std::string_view text);

struct BundleItem {
  std::string code;   // the reply code; empty for a page that is information
  std::string brief;  // paging::is_page_brief
  int rank = 0;       // paging::page_rank: lower first
  common::Instant created_at{};
};

struct BundleSms {
  std::string text;
  std::vector<std::size_t> included;  // indices into the items, in the order listed
  std::size_t more = 0;               // valid items left for a later SMS
};

// `required` (an index into `items`) is always included: the delivery whose
// turn it is. Empty when it is not a valid item (a malformed brief or code),
// or when there is nothing to bundle. Invalid other items are skipped, not
// counted.
std::optional<BundleSms> render_sms_bundle(const std::vector<BundleItem>& items,
                                           std::size_t required, i18n::Language language);

}  // namespace piket::paging
