// The SMTP side without a server: how an exchange's end counts, and the
// message as it goes on the wire.
#include "piket/notify/smtp_gateway.hpp"

#include <dlfcn.h>
#include <gtest/gtest.h>

namespace piket::notify {
namespace {

TEST(SmtpGateway, ClassifiesTheServersAnswer) {
  EXPECT_EQ(classify_smtp(true, 250), SendResult::Kind::accepted);
  EXPECT_EQ(classify_smtp(true, 0), SendResult::Kind::accepted);
  EXPECT_EQ(classify_smtp(false, 550), SendResult::Kind::permanent_failure);  // no such user
  EXPECT_EQ(classify_smtp(false, 554), SendResult::Kind::permanent_failure);
  EXPECT_EQ(classify_smtp(false, 451), SendResult::Kind::temporary_failure);  // try later
  EXPECT_EQ(classify_smtp(false, 421), SendResult::Kind::temporary_failure);
  EXPECT_EQ(classify_smtp(false, 0), SendResult::Kind::temporary_failure);  // no connection
}

TEST(SmtpGateway, MessageHasFixedHeadersAndTheBody) {
  const auto m = smtp_message("piket@piket.test", {"P0123456789ABCDEF:email", "icm@piket.test",
                                                   "piket HOME BAN case C12345678", "line\r\n"});
  EXPECT_EQ(m,
            "From: piket <piket@piket.test>\r\nTo: <icm@piket.test>\r\n"
            "Subject: piket HOME BAN case C12345678\r\n"
            "Message-ID: <P0123456789ABCDEF.email@piket>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n"
            "Auto-Submitted: auto-generated\r\n\r\nline\r\n");
}

TEST(SmtpGateway, HeaderInjectionIsRefused) {
  EXPECT_TRUE(smtp_message("a@b.test", {"P:email", "x@y.test\r\nBcc: z@q.test", "s", "b"}).empty());
  EXPECT_TRUE(smtp_message("a@b.test", {"P:email", "x@y.test", "s\nX: y", "b"}).empty());
}

// libcurl is not linked: notify without [smtp] never loads it (nor GnuTLS, LDAP, … with it).
// First in this file: nothing before it in this program makes a gateway.
TEST(SmtpGateway, LibcurlIsLoadedWithTheFirstGatewayOnly) {
  const auto loaded = [] {
    void* lib = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_NOLOAD);
    if (lib) ::dlclose(lib);  // drops the reference NOLOAD took
    return lib != nullptr;
  };
  EXPECT_FALSE(loaded());
  notify::SmtpConfig cfg;
  cfg.url = "smtp://127.0.0.1:1";
  cfg.from = "piket@piket.test";
  SmtpGateway gw(cfg);
  EXPECT_TRUE(loaded());
}

TEST(SmtpGateway, NoServerIsATemporaryFailure) {
  notify::SmtpConfig cfg;
  cfg.url = "smtp://127.0.0.1:1";  // nothing listens on port 1
  cfg.from = "piket@piket.test";
  cfg.timeout = common::Millis{2000};
  SmtpGateway gw(cfg);
  const auto r = gw.send({"P0123456789ABCDEF:email", "icm@piket.test", "subject", "body\r\n"});
  EXPECT_EQ(r.kind, SendResult::Kind::temporary_failure);
  EXPECT_EQ(r.http_status, 0);
}

}  // namespace
}  // namespace piket::notify
