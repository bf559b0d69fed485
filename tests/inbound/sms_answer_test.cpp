// parse_sms_answer: a reply code acknowledges; NO / NEE / DECLINE before it declines.
#include <gtest/gtest.h>

#include "piket/inbound/inbound_api.hpp"

namespace piket::inbound {
namespace {

TEST(SmsAnswer, CodeAloneAcknowledges) {
  const auto a = parse_sms_answer("047110");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->code, "047110");
  EXPECT_FALSE(a->decline);
  EXPECT_FALSE(parse_sms_answer("ok 047110")->decline);
  EXPECT_FALSE(parse_sms_answer("047110 no")->decline);
}

TEST(SmsAnswer, NoNeeOrDeclineFirstDeclines) {
  for (const char* t : {"NO 047110", "no 047110", "Nee 047110", "  decline 047110", "NO047110"}) {
    const auto a = parse_sms_answer(t);
    ASSERT_TRUE(a.has_value()) << t;
    EXPECT_TRUE(a->decline) << t;
    EXPECT_EQ(a->code, "047110") << t;
  }
  EXPECT_FALSE(parse_sms_answer("NOT 047110")->decline);
  EXPECT_FALSE(parse_sms_answer("nobody 047110")->decline);
}

TEST(SmsAnswer, NoCodeNoAnswer) {
  EXPECT_FALSE(parse_sms_answer("NO").has_value());
  EXPECT_FALSE(parse_sms_answer("04711").has_value());
  EXPECT_FALSE(parse_sms_answer("").has_value());
}

}  // namespace
}  // namespace piket::inbound
