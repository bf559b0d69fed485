#pragma once
// EmailGateway over SMTP with libcurl (smtp:// or smtps://, optional STARTTLS
// and credentials from [smtp]). One connection per gateway object, reused
// between messages; not thread-safe (one per worker).
//
// libcurl is loaded (dlopen) with the first gateway, not linked: it brings some twenty
// libraries (GnuTLS, p11-kit, LDAP, SSH, RTMP, Kerberos, SASL, …) whose start-up code runs when
// they are loaded, and they stayed 3.2 MiB resident in every notify, also in a deployment
// without [smtp] (docs/performance.md, "Memory"). Building needs curl's headers only.

#include <memory>
#include <string>

#include "piket/notify/email_gateway.hpp"
#include "piket/notify/notify_config.hpp"

namespace piket::notify {

// How a finished SMTP exchange counts: sent; a 5xx reply is permanent (the
// address or the message is refused); no answer, a 4xx reply or a broken
// connection is temporary.
SendResult::Kind classify_smtp(bool curl_ok, long smtp_code);

// The RFC 5322 message: From, To, Subject, Message-ID, MIME headers, a blank
// line, the body (CRLF line ends). Empty when a header value holds CR or LF.
std::string smtp_message(const std::string& from, const OutgoingEmail& mail);

class SmtpGateway final : public EmailGateway {
 public:
  // Loads libcurl now (notify's start, when [smtp] is configured); throws std::runtime_error
  // naming the library when it cannot. The constructor does the same.
  static void load_library();
  explicit SmtpGateway(notify::SmtpConfig config);
  ~SmtpGateway() override;
  SmtpGateway(const SmtpGateway&) = delete;
  SmtpGateway& operator=(const SmtpGateway&) = delete;
  SendResult send(const OutgoingEmail& mail) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace piket::notify
