#pragma once
// A scripted SmsGateway: records every send and answers from a script of HTTP
// statuses (the last one repeats). `on_send` runs inside send(), before the
// answer, so a test can look at Redis mid-send or throw to simulate a crash.

#include <deque>
#include <functional>
#include <vector>

#include "piket/notify/sms_gateway.hpp"

namespace piket::notify::test {

class FakeSmsGateway final : public SmsGateway {
 public:
  explicit FakeSmsGateway(std::deque<int> statuses = {202}) : statuses_(std::move(statuses)) {}

  SendResult send(const OutgoingSms& sms) override {
    sent.push_back(sms);
    if (on_send) on_send(sms);
    const int status = statuses_.empty() ? 202 : statuses_.front();
    if (statuses_.size() > 1) statuses_.pop_front();
    SendResult r;
    r.http_status = status;
    r.kind = classify_gateway_status(status);
    r.detail = "scripted " + std::to_string(status);
    return r;
  }

  std::vector<OutgoingSms> sent;
  std::function<void(const OutgoingSms&)> on_send;

 private:
  std::deque<int> statuses_;
};

}  // namespace piket::notify::test
