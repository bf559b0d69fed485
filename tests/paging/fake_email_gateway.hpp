#pragma once
// A scripted EmailGateway: records every message and answers from a script of
// SMTP reply codes (250 sent, 5xx permanent, 4xx or 0 temporary; the last
// one repeats).

#include <deque>
#include <vector>

#include "piket/notify/email_gateway.hpp"
#include "piket/notify/smtp_gateway.hpp"

namespace piket::notify::test {

class FakeEmailGateway final : public EmailGateway {
 public:
  explicit FakeEmailGateway(std::deque<int> codes = {250}) : codes_(std::move(codes)) {}

  SendResult send(const OutgoingEmail& mail) override {
    sent.push_back(mail);
    const int code = codes_.empty() ? 250 : codes_.front();
    if (codes_.size() > 1) codes_.pop_front();
    SendResult r;
    r.http_status = code;
    r.kind = classify_smtp(code == 250, code);
    r.detail = "scripted " + std::to_string(code);
    return r;
  }

  std::vector<OutgoingEmail> sent;

 private:
  std::deque<int> codes_;
};

}  // namespace piket::notify::test
