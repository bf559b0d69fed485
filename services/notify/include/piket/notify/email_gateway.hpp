#pragma once
// E-mail, the fallback channel, as notify sees it. SmtpGateway (libcurl)
// speaks SMTP; tests use a fake. Results reuse SendResult: `http_status`
// carries the SMTP reply code (0: no answer).

#include <string>

#include "piket/notify/sms_gateway.hpp"

namespace piket::notify {

struct OutgoingEmail {
  std::string delivery_id;  // "P…:email", also the Message-ID's local part
  std::string to;           // validated address from the configuration
  std::string subject;      // rendered by paging::render_page_email
  std::string body;
};

class EmailGateway {
 public:
  virtual ~EmailGateway() = default;
  virtual SendResult send(const OutgoingEmail& mail) = 0;
};

}  // namespace piket::notify
