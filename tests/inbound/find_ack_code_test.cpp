// find_ack_code: the first standalone run of exactly five digits in a reply.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "piket/inbound/inbound_api.hpp"

namespace piket::inbound {
namespace {

TEST(FindAckCodeTest, Table) {
  const std::vector<std::pair<std::string, std::optional<std::string>>> table{
      {"12345", "12345"},
      {"04711", "04711"},  // leading zero is part of the code
      {"ok 12345", "12345"},
      {"12345 ok", "12345"},
      {"  12345\n", "12345"},
      {"code:12345.", "12345"},
      {"a12345b", "12345"},  // letters around it do not extend the run
      {"1234 12345", "12345"},
      {"123456 54321", "54321"},  // six digits are not a code; the next run is
      {"+31612345678 99999", "99999"},
      {"11111 22222", "11111"},  // the first one wins
      {"", std::nullopt},
      {"ok", std::nullopt},
      {"1234", std::nullopt},
      {"123456", std::nullopt},
      {"12 345", std::nullopt},
      {"1234-5", std::nullopt},
      {"+31612345678", std::nullopt},
      {"\xD9\xA1\xD9\xA2\xD9\xA3\xD9\xA4\xD9\xA5", std::nullopt},  // Arabic-Indic digits
      {"１２３４５", std::nullopt},                                // full-width digits
  };
  for (const auto& [text, expected] : table) EXPECT_EQ(find_ack_code(text), expected) << text;
}

TEST(FindAckCodeTest, LongTextsAndEveryPosition) {
  const std::string code = "80417";
  for (std::size_t pad = 0; pad < 40; ++pad) {
    const std::string before(pad, 'x');
    EXPECT_EQ(find_ack_code(before + code), code) << pad;
    EXPECT_EQ(find_ack_code(before + " " + code + " " + before), code) << pad;
    EXPECT_EQ(find_ack_code(before + "9" + code), std::nullopt) << pad;
  }
  EXPECT_EQ(find_ack_code(std::string(1600, '7')), std::nullopt);
  EXPECT_EQ(find_ack_code(std::string(1500, 'a') + code), code);
}

}  // namespace
}  // namespace piket::inbound
