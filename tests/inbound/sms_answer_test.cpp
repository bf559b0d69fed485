// parse_sms_answer: a reply code acknowledges; NO / NEE / DECLINE before it declines.
#include <gtest/gtest.h>

#include "piket/inbound/inbound_api.hpp"

namespace piket::inbound {
namespace {

TEST(SmsAnswer, CodeAloneAcknowledges) {
  const auto a = parse_sms_answer("04711");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->code, "04711");
  EXPECT_FALSE(a->decline);
  EXPECT_FALSE(parse_sms_answer("ok 04711")->decline);
  EXPECT_FALSE(parse_sms_answer("04711 no")->decline);
}

TEST(SmsAnswer, NoNeeOrDeclineFirstDeclines) {
  for (const char* t : {"NO 04711", "no 04711", "Nee 04711", "  decline 04711", "NO04711"}) {
    const auto a = parse_sms_answer(t);
    ASSERT_TRUE(a.has_value()) << t;
    EXPECT_TRUE(a->decline) << t;
    EXPECT_EQ(a->code, "04711") << t;
  }
  EXPECT_FALSE(parse_sms_answer("NOT 04711")->decline);
  EXPECT_FALSE(parse_sms_answer("nobody 04711")->decline);
}

TEST(SmsAnswer, NoCodeNoAnswer) {
  EXPECT_FALSE(parse_sms_answer("NO").has_value());
  EXPECT_FALSE(parse_sms_answer("0471").has_value());
  EXPECT_FALSE(parse_sms_answer("").has_value());
}

}  // namespace
}  // namespace piket::inbound
