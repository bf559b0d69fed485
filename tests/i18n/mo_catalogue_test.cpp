// i18n::MoCatalogue, the reader of the embedded .mo catalogues: what msgfmt writes is read in
// either byte order, and a damaged catalogue is refused with what is wrong, never read past
// its end.
#include "piket/i18n/mo_catalogue.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace piket::i18n {
namespace {

// A .mo as msgfmt lays it out: header, the originals' table, the translations' table, then the
// strings with their NULs. `big` writes it big-endian.
std::string make_mo(const std::vector<std::pair<std::string, std::string>>& entries,
                    bool big = false) {
  const auto n = static_cast<std::uint32_t>(entries.size());
  std::string out;
  auto put = [&](std::uint32_t v) {
    for (int k = 0; k < 4; ++k) {
      const int shift = big ? (3 - k) * 8 : k * 8;
      out.push_back(static_cast<char>((v >> shift) & 0xff));
    }
  };
  const std::uint32_t originals = 28, translations = originals + n * 8;
  std::uint32_t at = translations + n * 8;
  put(0x950412de);
  put(0);
  put(n);
  put(originals);
  put(translations);
  put(0);
  put(0);
  std::string strings;
  for (int pass = 0; pass < 2; ++pass)
    for (const auto& e : entries) {
      const auto& s = pass == 0 ? e.first : e.second;
      put(static_cast<std::uint32_t>(s.size()));
      put(at);
      strings += s;
      strings.push_back('\0');
      at += static_cast<std::uint32_t>(s.size()) + 1;
    }
  return out + strings;
}

const std::vector<std::pair<std::string, std::string>> kEntries = {
    {"", "Content-Type: text/plain; charset=UTF-8\n"},
    {"sms.a", "Nieuwe melding {case}"},
    {"sms.b", ""},
    {"sms.c", "één"}};

TEST(MoCatalogue, ReadsEveryTranslationInEitherByteOrder) {
  for (bool big : {false, true}) {
    const auto bytes = make_mo(kEntries, big);
    const MoCatalogue mo(bytes);
    EXPECT_EQ(mo.size(), 3u) << "big-endian " << big;
    EXPECT_EQ(mo.find("sms.a"), "Nieuwe melding {case}");
    EXPECT_EQ(mo.find("sms.c"), "één");
    EXPECT_EQ(mo.find("sms.b"), std::nullopt);  // untranslated
    EXPECT_EQ(mo.find("sms.d"), std::nullopt);
    EXPECT_EQ(mo.find(""), std::nullopt);  // the header is not a message
  }
}

TEST(MoCatalogue, APluralEntryIsFoundUnderItsMsgidAndGivesItsFirstForm) {
  const MoCatalogue mo(make_mo(
      {{"", "charset=UTF-8"},
       {std::string("one page\0many pages", 19), std::string("een oproep\0oproepen", 19)}}));
  EXPECT_EQ(mo.find("one page"), "een oproep");
}

void expect_refused(const std::string& bytes, const std::string& naming) {
  try {
    MoCatalogue mo(bytes);
    ADD_FAILURE() << "accepted; expected an error naming " << naming;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(naming), std::string::npos) << e.what();
  }
}

TEST(MoCatalogue, ADamagedCatalogueIsRefusedWithWhatIsWrong) {
  const auto good = make_mo(kEntries);
  expect_refused("", "shorter than its header");
  expect_refused(good.substr(0, 20), "shorter than its header");
  auto bad_magic = good;
  bad_magic[0] = 'X';
  expect_refused(bad_magic, "magic");
  auto revision = good;
  revision[6] = 2;  // major revision 2
  expect_refused(revision, "major revision");
  // Cut inside the strings: the last one's offset + length lies past the end.
  expect_refused(good.substr(0, good.size() - 3), "outside the catalogue");
  // A string without its NUL.
  auto no_nul = good;
  no_nul.back() = 'x';
  expect_refused(no_nul, "without its NUL");
  // Tables pointing past the end.
  auto far_table = good;
  far_table[13] = 0x7f;  // originals' offset + 0x7f00
  expect_refused(far_table, "outside the catalogue");
  // More entries than the bytes could hold.
  auto many = good;
  many[11] = 0x10;  // N + 0x10000000
  expect_refused(many, "more entries");
  expect_refused(make_mo({{"", "Content-Type: text/plain; charset=ISO-8859-1\n"}, {"a", "b"}}),
                 "charset");
}

}  // namespace
}  // namespace piket::i18n
