// Unit tests: parsing fakesmsc's log, url codec, UTF-16BE decoding.
// The log lines are copied from real runs of Kannel 1.4.5's fakesmsc on this machine.

#include "piket/launch/fakesmsc_log.hpp"

#include <gtest/gtest.h>

#include <string>

#include "piket/launch/url_codec.hpp"

namespace piket::launch {
namespace {

std::string log_line(int n, const std::string& wire, const char* level = "DEBUG") {
  return "2026-11-22 16:21:59 [4269] [0] " + std::string(level) + ": Got message " +
         std::to_string(n) + ": <" + wire + ">\n";
}

TEST(FakesmscLog, ParsesPlainTextLines) {
  const std::string log =
      "2026-11-22 16:21:49 [4269] [0] INFO: Debug_lvl = -1, log_file = <none>, log_lvl = 0\n"
      "2026-11-22 16:21:49 [4269] [0] INFO: Entering interactive mode. Type your message on "
      "the command line\n"
      "2026-11-22 16:21:49 [4269] [0] INFO: fakesmsc starting\n"
      "2026-11-22 16:21:49 [4269] [0] DEBUG: Connecting to <127.0.0.1>\n"
      "2026-11-22 16:21:50 [4269] [0] DEBUG: Got message 1: <4411 +31612345678 text hello "
      "world!>\n"
      "2026-11-22 16:21:53 [4269] [0] DEBUG: fakesmsc: sent message 1\n"
      "2026-11-22 16:21:59 [4269] [0] DEBUG: Got message 6: <4411 123 text \xE2\x82\xAC euro "
      "{}[]>\n";
  const auto sms = parse_fakesmsc_log(log);
  ASSERT_EQ(sms.size(), 2U);
  EXPECT_EQ(sms[0], (DeliveredSms{"4411", "+31612345678", "hello world!"}));
  EXPECT_EQ(sms[1], (DeliveredSms{"4411", "123", "\xE2\x82\xAC euro {}[]"}));
}

TEST(FakesmscLog, TextIsNotUrlDecoded) {
  const auto sms = parse_fakesmsc_log(log_line(1, "4411 123 text 100% +%41 a<b> c"));
  ASSERT_EQ(sms.size(), 1U);
  EXPECT_EQ(sms[0].text, "100% +%41 a<b> c");
}

TEST(FakesmscLog, InfoLevelLineIsParsedToo) {
  // fakesmsc logs at INFO the message whose number equals its -m limit.
  const auto sms = parse_fakesmsc_log(log_line(5, "4411 123 text last one", "INFO"));
  ASSERT_EQ(sms.size(), 1U);
  EXPECT_EQ(sms[0].text, "last one");
}

TEST(FakesmscLog, EmptyText) {
  const auto sms = parse_fakesmsc_log(log_line(1, "4411 123 text "));
  ASSERT_EQ(sms.size(), 1U);
  EXPECT_EQ(sms[0], (DeliveredSms{"4411", "123", ""}));
}

TEST(FakesmscLog, NewlineSplitTextIsJoined) {
  // sendsms text "line1\nline2 100% +" arrives as two fakesmsc "messages".
  const std::string log = log_line(3, "4411 123 text line1") + log_line(4, "line2 100% +") +
                          log_line(5, "4411 124 text next");
  const auto sms = parse_fakesmsc_log(log);
  ASSERT_EQ(sms.size(), 2U);
  EXPECT_EQ(sms[0], (DeliveredSms{"4411", "123", "line1\nline2 100% +"}));
  EXPECT_EQ(sms[1], (DeliveredSms{"4411", "124", "next"}));
}

TEST(FakesmscLog, MultipleContinuationLinesAndEmptyLines) {
  const std::string log = log_line(1, "4411 123 text a") + log_line(2, "") + log_line(3, "c d");
  const auto sms = parse_fakesmsc_log(log);
  ASSERT_EQ(sms.size(), 1U);
  EXPECT_EQ(sms[0].text, "a\n\nc d");
}

TEST(FakesmscLog, ContinuationWithoutPrecedingTextIsIgnored) {
  EXPECT_TRUE(parse_fakesmsc_log(log_line(1, "orphan")).empty());
  const std::string log = log_line(1, "4411 123 data x%0Ay") + log_line(2, "stray");
  const auto sms = parse_fakesmsc_log(log);
  ASSERT_EQ(sms.size(), 1U);
  EXPECT_EQ(sms[0].text, "x\ny");
}

TEST(FakesmscLog, DataIsUrlDecoded) {
  const auto sms = parse_fakesmsc_log(log_line(5, "4411 123 data a%3Cb%3E+c"));
  ASSERT_EQ(sms.size(), 1U);
  EXPECT_EQ(sms[0], (DeliveredSms{"4411", "123", "a<b> c"}));
}

TEST(FakesmscLog, Ucs2IsConvertedToUtf8) {
  const auto sms = parse_fakesmsc_log(log_line(5, "4411 123 ucs-2 %00h%00%E9%00l%00l%00o"));
  ASSERT_EQ(sms.size(), 1U);
  EXPECT_EQ(sms[0].text, "h\xC3\xA9llo");
}

TEST(FakesmscLog, ConcatenatedTextPartsAreReassembled) {
  const std::string part1(153, 'x');
  const std::string part2(147, 'x');
  const std::string log = log_line(1, "4411 123 udh %05%00%03%00%02%01 data " + part1) +
                          log_line(2, "4411 123 udh %05%00%03%00%02%02 data " + part2);
  const auto sms = parse_fakesmsc_log(log);
  ASSERT_EQ(sms.size(), 1U);
  EXPECT_EQ(sms[0], (DeliveredSms{"4411", "123", std::string(300, 'x')}));
}

TEST(FakesmscLog, ConcatenatedPartsOutOfOrderAndInterleaved) {
  const std::string log = log_line(1, "1 2 udh %05%00%03%07%03%02 data B%0A") +
                          log_line(2, "1 9 text other") +
                          log_line(3, "1 2 udh %05%00%03%07%03%03 data C") +
                          log_line(4, "1 2 udh %05%00%03%07%03%01 data A+");
  const auto sms = parse_fakesmsc_log(log);
  ASSERT_EQ(sms.size(), 2U);
  EXPECT_EQ(sms[0], (DeliveredSms{"1", "2", "A B\nC"}));
  EXPECT_EQ(sms[1], (DeliveredSms{"1", "9", "other"}));
}

TEST(FakesmscLog, ConcatenatedUcs2PartsAreReassembled) {
  std::string part1;
  for (int i = 0; i < 67; ++i) part1 += "%00%E9";
  std::string part2;
  for (int i = 0; i < 13; ++i) part2 += "%00%E9";
  const std::string log = log_line(3, "4411 123 udh %05%00%03%01%02%01 data " + part1) +
                          log_line(4, "4411 123 udh %05%00%03%01%02%02 data " + part2);
  const auto sms = parse_fakesmsc_log(log);
  ASSERT_EQ(sms.size(), 1U);
  std::string expected;
  for (int i = 0; i < 80; ++i) expected += "\xC3\xA9";
  EXPECT_EQ(sms[0].text, expected);
}

TEST(FakesmscLog, SixteenBitReferenceAndReusedReference) {
  // IEI 0x08: 16-bit reference 0x0102, 2 parts; then the same reference again (a new message).
  const std::string log = log_line(1, "1 2 udh %06%08%04%01%02%02%01 data a") +
                          log_line(2, "1 2 udh %06%08%04%01%02%02%02 data b") +
                          log_line(3, "1 2 udh %06%08%04%01%02%02%01 data c") +
                          log_line(4, "1 2 udh %06%08%04%01%02%02%02 data d");
  const auto sms = parse_fakesmsc_log(log);
  ASSERT_EQ(sms.size(), 2U);
  EXPECT_EQ(sms[0].text, "ab");
  EXPECT_EQ(sms[1].text, "cd");
}

TEST(FakesmscLog, IncompleteConcatenationKeepsArrivedParts) {
  const auto sms = parse_fakesmsc_log(log_line(1, "1 2 udh %05%00%03%09%02%02 data tail"));
  ASSERT_EQ(sms.size(), 1U);
  EXPECT_EQ(sms[0].text, "tail");
}

TEST(FakesmscLog, UdhWithoutConcatenationIsASingleMessage) {
  // UDH with only a port addressing IE (0x05, 4 bytes).
  const auto sms = parse_fakesmsc_log(log_line(1, "1 2 udh %06%05%04%0B%84%23%F0 data hi"));
  ASSERT_EQ(sms.size(), 1U);
  EXPECT_EQ(sms[0].text, "hi");
}

TEST(FakesmscLog, IgnoresPartialAndForeignLines) {
  const std::string log =
      "2026-11-22 16:21:59 [4269] [0] DEBUG: Got message 7: <4411 123 text incomplete\n"
      "Got message x: <4411 123 text bad number>\n"
      "free(): double free detected in tcache 2\n" +
      log_line(8, "4411 123 text ok") +
      "2026-11-22 16:22:00 [4269] [0] DEBUG: Got message 9: <4411 123 text being writ";
  const auto sms = parse_fakesmsc_log(log);
  ASSERT_EQ(sms.size(), 1U);
  EXPECT_EQ(sms[0].text, "ok");
}

TEST(FakesmscLog, CrLfLineEndings) {
  const auto sms =
      parse_fakesmsc_log("2026-11-22 16:21:50 [1] [0] DEBUG: Got message 1: <a b text crlf>\r\n");
  ASSERT_EQ(sms.size(), 1U);
  EXPECT_EQ(sms[0].text, "crlf");
}

TEST(FakesmscLog, EmptyInput) {
  EXPECT_TRUE(parse_fakesmsc_log("").empty());
}

TEST(Utf16, DecodesBmpSurrogatesAndInvalidInput) {
  EXPECT_EQ(utf16be_to_utf8(std::string("\x00h\x00\xE9", 4)), "h\xC3\xA9");
  EXPECT_EQ(utf16be_to_utf8(std::string("\x20\xAC", 2)), "\xE2\x82\xAC");
  // U+1F600 as the surrogate pair D83D DE00.
  EXPECT_EQ(utf16be_to_utf8(std::string("\xD8\x3D\xDE\x00", 4)), "\xF0\x9F\x98\x80");
  // Lone high surrogate, lone low surrogate, odd trailing byte.
  EXPECT_EQ(utf16be_to_utf8(std::string("\xD8\x3D\x00\x41", 4)),
            "\xEF\xBF\xBD"
            "A");
  EXPECT_EQ(utf16be_to_utf8(std::string("\xDE\x00", 2)), "\xEF\xBF\xBD");
  EXPECT_EQ(utf16be_to_utf8(std::string("\x00\x41\x00", 3)), "A\xEF\xBF\xBD");
}

TEST(UrlCodec, EncodesReservedAndNonAsciiBytes) {
  EXPECT_EQ(url_encode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(url_encode("a b&c=d/%+"), "a%20b%26c%3Dd%2F%25%2B");
  EXPECT_EQ(url_encode("\xC3\xA9\n"), "%C3%A9%0A");
  EXPECT_EQ(url_encode(""), "");
}

TEST(UrlCodec, Decodes) {
  EXPECT_EQ(url_decode("a+b%20c%2b%2B"), "a b c++");
  EXPECT_EQ(url_decode("a+b", false), "a+b");
  EXPECT_EQ(url_decode("%C3%a9"), "\xC3\xA9");
  EXPECT_EQ(url_decode("100%"), "100%");
  EXPECT_EQ(url_decode("%4"), "%4");
  EXPECT_EQ(url_decode("%zz%41"), "%zzA");
  EXPECT_EQ(url_decode(std::string_view("%00", 3)), std::string(1, '\0'));
}

TEST(UrlCodec, RoundTripsAllBytes) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  EXPECT_EQ(url_decode(url_encode(all)), all);
}

}  // namespace
}  // namespace piket::launch
