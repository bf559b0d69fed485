#pragma once
// What Kannel calls back: delivery reports (dlr-url) and incoming SMS
// (sms-service get-url). Runs apart from notify so that a delivery report is
// recorded even while notify is down — notify uses it to tell whether an
// interrupted send reached the gateway.
//
// GET /kannel/dlr?page=P…&type=N[&ts=…]   → records the report on the page
// GET /kannel/sms?from=…&to=…&text=…      → an acknowledgement by reply code
// The answer to /kannel/sms is plain text; Kannel may send it back as a reply.
// Neither the text nor the sender's number is ever logged.

#include <memory>

#include "piket/common/clock.hpp"
#include "piket/common/config.hpp"
#include "piket/common/http_types.hpp"
#include "piket/common/metrics.hpp"

namespace piket::inbound {

// The first standalone run of exactly five digits in an SMS text, if any.
std::optional<std::string> find_ack_code(std::string_view text);

class InboundApi {
 public:
  InboundApi(const common::Config& config, const common::Clock& domain_clock,
             common::Metrics& metrics);
  ~InboundApi();
  common::HttpResponse handle(const common::HttpRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace piket::inbound
