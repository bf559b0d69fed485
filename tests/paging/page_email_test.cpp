// render_page_email: the e-mail carries what the SMS carries — kind, case
// code, region, the time, how to answer — and nothing malformed is rendered.
#include <gtest/gtest.h>

#include "piket/paging/page_text.hpp"

namespace piket::paging {
namespace {

using common::from_epoch_ms;
using common::IncidentKind;
using common::Instant;

// 2026-11-22 13:03 UTC = 14:03 in Amsterdam (CET).
const Instant kAt = from_epoch_ms(1795352580000);

PageContent content() {
  return {"C12345678", IncidentKind::code_red, "groningen", kAt, "047110"};
}

TEST(PageEmail, CarriesTheSmsContentInAFixedFrame) {
  const auto mail = render_page_email(content(), "4411");
  ASSERT_TRUE(mail.has_value());
  EXPECT_EQ(mail->subject, "piket CODE ROOD C12345678");
  EXPECT_EQ(mail->body,
            "piket-oproep\r\n\r\n"
            "Soort:   CODE ROOD\r\n"
            "Zaak:    C12345678\r\n"
            "Regio:   groningen\r\n"
            "Gemeld:  22-11 14:03 (Nederlandse tijd)\r\n\r\n"
            "Aannemen: stuur 047110 per sms naar 4411, of neem de oproep aan in de piket-app.\r\n"
            "Kun je hem niet nemen? Stuur NEE 047110, dan gaat hij meteen naar de volgende.\r\n\r\n"
            "Automatisch verstuurd; antwoorden op deze e-mail worden niet gelezen.\r\n");
  // Same facts as the SMS.
  const auto sms = render_page_sms(content());
  ASSERT_TRUE(sms.has_value());
  EXPECT_NE(sms->find("22-11 14:03"), std::string::npos);
}

TEST(PageEmail, InEnglishForSomeoneWhoChoseEnglish) {
  auto c = content();
  c.language = i18n::Language::en;
  const auto mail = render_page_email(c, "4411");
  ASSERT_TRUE(mail.has_value());
  EXPECT_EQ(mail->subject, "piket CODE RED C12345678");
  EXPECT_EQ(mail->body,
            "piket page\r\n\r\n"
            "Kind:     CODE RED\r\n"
            "Case:     C12345678\r\n"
            "Region:   groningen\r\n"
            "Reported: 22-11 14:03 (Europe/Amsterdam)\r\n\r\n"
            "To acknowledge, reply 047110 by SMS to 4411, or acknowledge the page in the piket "
            "web app.\r\n"
            "If you cannot take it, reply NO 047110 to pass it on at once.\r\n\r\n"
            "Sent automatically; replies to this e-mail are not read.\r\n");
}

TEST(PageEmail, TheSubjectSaysWhenThePageIsAnEscalationOrARepage) {
  auto c = content();
  const auto plain = render_page_email(c, "4411");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->subject.rfind("piket ", 0), 0u);
  EXPECT_EQ(plain->subject.find("OPGESCHAALD"), std::string::npos);
  c.reason = PageReason::escalated;
  const auto esc = render_page_email(c, "4411");
  ASSERT_TRUE(esc);
  EXPECT_EQ(esc->subject, "piket OPGESCHAALD CODE ROOD C12345678");
  c.reason = PageReason::no_first_contact;
  const auto again = render_page_email(c, "4411");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->subject, "piket GEEN CONTACT CODE ROOD C12345678");
  EXPECT_EQ(again->body, plain->body);  // the same fixed frame
}

TEST(PageEmail, MalformedInputsAreNotRendered) {
  auto c = content();
  c.case_code = "C1234";
  EXPECT_FALSE(render_page_email(c, "4411").has_value());
  c = content();
  c.region = "Groningen Vlietstraat 99";
  EXPECT_FALSE(render_page_email(c, "4411").has_value());
  c = content();
  c.ack_code = "12";
  EXPECT_FALSE(render_page_email(c, "4411").has_value());
  EXPECT_FALSE(render_page_email(content(), "44 11\r\nBcc: x").has_value());
  EXPECT_FALSE(render_page_email(content(), "").has_value());
}

}  // namespace
}  // namespace piket::paging
