// render_sms_bundle: several pages to one person in one SMS — most urgent
// first, every answerable page with its code, information without one, GSM-7
// only, one segment where it fits and never more than three.
#include "piket/paging/sms_bundle.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

#include "piket/paging/page_class.hpp"
#include "piket/paging/page_text.hpp"

namespace piket::paging {
namespace {

using common::from_epoch_ms;
using common::IncidentKind;
using common::Instant;

Instant at(int minute) {
  return from_epoch_ms(1795870800000 + minute * 60'000LL);
}

BundleItem page(std::string code, IncidentKind kind, PageReason reason, int minute,
                std::string case_code = "C12345678", i18n::Language language = i18n::Language::nl) {
  const auto tag = page_tag({case_code, kind, "groningen", at(minute), code, reason, language});
  return {std::move(code), tag->brief, tag->rank, at(minute)};
}

// The reply codes in the order the text lists them.
std::vector<std::string> codes_in(const std::string& text) {
  std::vector<std::string> out;
  static const std::regex six{"(^|[^0-9])([0-9]{6})(?![0-9])"};
  for (auto it = std::sregex_iterator(text.begin(), text.end(), six); it != std::sregex_iterator();
       ++it)
    out.push_back((*it)[2].str());
  return out;
}

TEST(GsmSegments, OneUpTo160ThenPartsOf153) {
  EXPECT_EQ(gsm7_segments(std::string(1, 'a')), 1);
  EXPECT_EQ(gsm7_segments(std::string(160, 'a')), 1);
  EXPECT_EQ(gsm7_segments(std::string(161, 'a')), 2);
  EXPECT_EQ(gsm7_segments(std::string(306, 'a')), 2);
  EXPECT_EQ(gsm7_segments(std::string(307, 'a')), 3);
  EXPECT_EQ(gsm7_segments(std::string(459, 'a')), 3);
  EXPECT_EQ(gsm7_segments(std::string(460, 'a')), 4);
}

TEST(SmsBundle, TwoPagesFitOneSegmentWithTheUrgentOneFirst) {
  // The delivery whose turn it is (index 0) is a plain home ban; an escalated
  // code red waits with it.
  const std::vector<BundleItem> items{
      page("123456", IncidentKind::home_ban, PageReason::incident, 0),
      page("654321", IncidentKind::code_red, PageReason::escalated, 1, "C23456789")};
  const auto b = render_sms_bundle(items, 0, i18n::Language::nl);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->text,
            "piket 2 oproepen: 654321 OPGESCHAALD CODE ROOD C23456789; 123456 HUISVERBOD "
            "C12345678. Stuur een code om aan te nemen.");
  EXPECT_EQ(gsm7_segments(b->text), 1);
  EXPECT_EQ(b->included, (std::vector<std::size_t>{1, 0}));
  EXPECT_EQ(b->more, 0u);
  // For someone who reads English: the frame, and the lines made for them.
  constexpr auto en = i18n::Language::en;
  const std::vector<BundleItem> english{
      page("123456", IncidentKind::home_ban, PageReason::incident, 0, "C12345678", en),
      page("654321", IncidentKind::code_red, PageReason::escalated, 1, "C23456789", en)};
  EXPECT_EQ(render_sms_bundle(english, 0, en)->text,
            "piket 2 pages: 654321 ESCALATED CODE RED C23456789; 123456 HOME BAN C12345678. Reply "
            "a code to acknowledge.");
}

TEST(SmsBundle, CodeRedAndEscalationsFirstThenByKindThenRemindersThenInformation) {
  std::vector<BundleItem> items{
      {"", "INFO HUISVERBOD C00000001", page_rank::kInformation, at(0)},
      {"100002", "PLAN VAN AANPAK BINNENKORT C00000002", page_rank::kWarning, at(0)},
      {"100003", "CONTACTMOMENT TE LAAT C00000003", page_rank::kReminder, at(0)},
      page("100004", IncidentKind::home_ban_lifted, PageReason::incident, 0, "C00000004"),
      page("100005", IncidentKind::home_ban, PageReason::incident, 0, "C00000005"),
      page("100006", IncidentKind::ban_violation, PageReason::incident, 0, "C00000006"),
      {"100007", "OPGESCHAALD PLAN VAN AANPAK TE LAAT C00000007", page_rank::kDeadlineEscalation,
       at(0)},
      page("100008", IncidentKind::home_ban, PageReason::escalated, 0, "C00000008"),
      page("100009", IncidentKind::code_red, PageReason::incident, 0, "C00000009"),
      page("100010", IncidentKind::code_red, PageReason::escalated, 0, "C00000010"),
      // The same kind twice: the older page first.
      page("100011", IncidentKind::home_ban, PageReason::incident, -5, "C00000011"),
  };
  const auto b = render_sms_bundle(items, 0, i18n::Language::nl);
  ASSERT_TRUE(b);
  // The Dutch lines are longer than the English ones were: the least urgent
  // page (the plan reminder) no longer fits three segments and waits, counted.
  EXPECT_EQ(codes_in(b->text),
            (std::vector<std::string>{"100010", "100009", "100008", "100007", "100006", "100011",
                                      "100005", "100004", "100003"}))
      << b->text;
  // Information rides along last, without a code.
  EXPECT_NE(b->text.find("; info INFO HUISVERBOD C00000001. +1 meer in de app."), std::string::npos)
      << b->text;
  EXPECT_EQ(b->more, 1u);
  EXPECT_LE(gsm7_segments(b->text), kBundleMaxSegments);
  EXPECT_TRUE(is_gsm7_basic(b->text));
}

TEST(SmsBundle, InformationOnlySaysNoReplyIsNeededAndCarriesNoCode) {
  const std::vector<BundleItem> items{
      {"", "HUISVERBOD AFGELOPEN C12345678", page_rank::kInformation, at(0)},
      {"", "PIKETROOSTER DIENST primary ma 23-11 08:00", page_rank::kInformation, at(1)}};
  const auto b = render_sms_bundle(items, 1, i18n::Language::nl);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->text,
            "piket 2 oproepen: info HUISVERBOD AFGELOPEN C12345678; info PIKETROOSTER DIENST "
            "primary ma 23-11 08:00. Geen antwoord nodig.");
  EXPECT_TRUE(codes_in(b->text).empty());
  EXPECT_EQ(gsm7_segments(b->text), 1);
}

TEST(SmsBundle, NeverMoreThanThreeSegmentsTheRestIsCountedForTheApp) {
  std::vector<BundleItem> items;
  std::set<std::string> all;
  for (int n = 0; n < 30; ++n) {
    const auto code = std::to_string(200000 + n);
    const auto case_code = "C" + std::to_string(10000000 + n);
    items.push_back(page(code, n % 3 == 0 ? IncidentKind::code_red : IncidentKind::home_ban,
                         n % 2 == 0 ? PageReason::escalated : PageReason::incident, n, case_code));
  }
  // The delivery whose turn it is: the least urgent of all (a plain home ban, the newest).
  items.push_back(page("299999", IncidentKind::home_ban, PageReason::incident, 99, "C19999999"));
  const auto b = render_sms_bundle(items, items.size() - 1, i18n::Language::nl);
  ASSERT_TRUE(b);
  EXPECT_LE(b->text.size(), 459u) << b->text;
  EXPECT_EQ(gsm7_segments(b->text), kBundleMaxSegments);
  EXPECT_TRUE(is_gsm7_basic(b->text));
  EXPECT_GT(b->more, 0u);
  EXPECT_EQ(b->included.size() + b->more, items.size());
  EXPECT_NE(b->text.find("piket 31 oproepen: "), std::string::npos) << b->text;
  EXPECT_NE(b->text.find(" +" + std::to_string(b->more) + " meer in de app."), std::string::npos)
      << b->text;
  // The one whose turn it is goes along, listed last; the others are the most
  // urgent ones: every escalated code red is in.
  const auto codes = codes_in(b->text);
  EXPECT_EQ(codes.back(), "299999");
  for (int n = 0; n < 30; n += 6)
    EXPECT_NE(std::find(codes.begin(), codes.end(), std::to_string(200000 + n)), codes.end())
        << n << ": " << b->text;
  // Each listed page once, each code as it was given.
  EXPECT_EQ(std::set<std::string>(codes.begin(), codes.end()).size(), codes.size());
  EXPECT_EQ(codes.size(), b->included.size());
  for (std::size_t k = 0; k < b->included.size(); ++k)
    EXPECT_EQ(codes[k], items[b->included[k]].code);
}

TEST(SmsBundle, MalformedItemsAreNeverRendered) {
  std::vector<BundleItem> items{
      page("123456", IncidentKind::home_ban, PageReason::incident, 0),
      {"234567", "Marie Jansen ë", page_rank::kIncident, at(0)},       // not a brief
      {"34567", "HOME BAN C23456789", page_rank::kIncident, at(0)},    // five digits
      {"45678a", "HOME BAN C34567890", page_rank::kIncident, at(0)},   // not digits
      {"456789", "home ban C45678901", page_rank::kIncident, at(0)},   // lower-case start
      {"567890", std::string(49, 'A'), page_rank::kIncident, at(0)}};  // too long
  const auto b = render_sms_bundle(items, 0, i18n::Language::nl);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->included, (std::vector<std::size_t>{0}));
  EXPECT_EQ(b->more, 0u);
  EXPECT_EQ(b->text.find("Marie"), std::string::npos);
  // The delivery whose turn it is must be valid itself.
  EXPECT_FALSE(render_sms_bundle(items, 1, i18n::Language::nl));
  EXPECT_FALSE(render_sms_bundle(items, 9, i18n::Language::nl));
  EXPECT_FALSE(render_sms_bundle({}, 0, i18n::Language::nl));
}

}  // namespace
}  // namespace piket::paging
