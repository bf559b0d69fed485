// find_ack_code: the first standalone run of exactly six digits (the reply
// code length, paging::kReplyCodeDigits) in a reply.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "piket/config/config.hpp"
#include "piket/inbound/inbound_api.hpp"
#include "piket/paging/reply_code.hpp"

namespace piket::inbound {
namespace {

TEST(FindAckCodeTest, Table) {
  static_assert(paging::kReplyCodeDigits == 6);
  const std::vector<std::pair<std::string, std::optional<std::string>>> table{
      {"123456", "123456"},
      {"047110", "047110"},  // leading zero is part of the code
      {"ok 123456", "123456"},
      {"123456 ok", "123456"},
      {"  123456\n", "123456"},
      {"code:123456.", "123456"},
      {"a123456b", "123456"},  // letters around it do not extend the run
      {"12345 123456", "123456"},
      {"1234567 654321", "654321"},  // seven digits are not a code; the next run is
      {"+31612345678 999999", "999999"},
      {"111111 222222", "111111"},  // the first one wins
      {"", std::nullopt},
      {"ok", std::nullopt},
      {"12345", std::nullopt},  // the old five-digit codes are not codes any more
      {"1234567", std::nullopt},
      {"123 456", std::nullopt},
      {"12345-6", std::nullopt},
      {"+31612345678", std::nullopt},
      {"\xD9\xA1\xD9\xA2\xD9\xA3\xD9\xA4\xD9\xA5\xD9\xA6", std::nullopt},  // Arabic-Indic
      {"１２３４５６", std::nullopt},                                      // full-width
  };
  for (const auto& [text, expected] : table) EXPECT_EQ(find_ack_code(text), expected) << text;
}

TEST(FindAckCodeTest, LongTextsAndEveryPosition) {
  const std::string code = "804172";
  for (std::size_t pad = 0; pad < 40; ++pad) {
    const std::string before(pad, 'x');
    EXPECT_EQ(find_ack_code(before + code), code) << pad;
    EXPECT_EQ(find_ack_code(before + " " + code + " " + before), code) << pad;
    EXPECT_EQ(find_ack_code(before + "9" + code), std::nullopt) << pad;
  }
  EXPECT_EQ(find_ack_code(std::string(1600, '7')), std::nullopt);
  EXPECT_EQ(find_ack_code(std::string(1500, 'a') + code), code);
}

TEST(ReplyCodeTest, NewCodesHaveTheLengthTheParserReads) {
  for (int i = 0; i < 200; ++i) {
    const auto code = paging::new_reply_code();
    ASSERT_TRUE(paging::is_reply_code(code)) << code;
    EXPECT_EQ(find_ack_code("ok " + code), code);
  }
  for (const std::string bad : {"", "12345", "1234567", "12345a", " 12345", "١٢٣٤٥٦"})
    EXPECT_FALSE(paging::is_reply_code(bad)) << bad;
}

TEST(ReplyCodeTest, MaskShowsTheLastThreeDigitsOnly) {
  EXPECT_EQ(paging::mask_phone("+31612345678"), "\u2026678");
  EXPECT_EQ(paging::mask_phone("678"), "\u2026");
  EXPECT_EQ(paging::mask_phone(""), "\u2026");
}

// The window a code stays valid: the longest escalation run (every step,
// every round) plus the grace; without [escalation] the built-in policy's.
TEST(ReplyCodeTest, WindowFollowsTheLongestEscalation) {
  config::Config c;  // no [escalation]: primary 15 minutes, then the team lead 15
  EXPECT_EQ(c.reply_code_window(), std::chrono::minutes{30} + paging::kReplyCodeGrace);
  c.escalation.defaults = paging::EscalationPolicy{};  // the example: 5 + 5 + 10 minutes, twice
  EXPECT_EQ(c.reply_code_window(), std::chrono::minutes{40} + paging::kReplyCodeGrace);
  paging::EscalationPolicy north;
  north.steps = {{paging::EscalationTarget::primary, std::chrono::minutes{30}}};
  north.repeat = 3;
  c.escalation.regions["north"] = north;
  EXPECT_EQ(c.reply_code_window(), std::chrono::minutes{120} + paging::kReplyCodeGrace);
}

}  // namespace
}  // namespace piket::inbound
