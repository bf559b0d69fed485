#pragma once
// The SMS gateway as notify sees it. KannelGateway speaks Kannel's sendsms
// HTTP interface; unit tests use a fake.

#include <memory>
#include <string>

#include "piket/notify/notify_config.hpp"

namespace piket::notify {

struct OutgoingSms {
  std::string page_id;  // for the delivery-report callback
  std::string to;       // E.164
  std::string text;     // rendered by paging::render_page_sms (or render_sms_bundle)
  // Set when the SMS carries several pages (smsbundle:{id}): the delivery
  // report then counts for every page of the bundle.
  std::string bundle_id;
};

struct SendResult {
  enum class Kind { accepted, temporary_failure, permanent_failure };
  Kind kind = Kind::accepted;
  int http_status = 0;  // 0: no answer
  std::string detail;   // gateway's reason, for the record (never person data)
};

// 2xx: accepted. 429, 5xx and no answer: temporary (retry). Other 4xx: permanent.
SendResult::Kind classify_gateway_status(int http_status);

class SmsGateway {
 public:
  virtual ~SmsGateway() = default;
  virtual SendResult send(const OutgoingSms& sms) = 0;
};

// Percent-encoding for a query value (only A-Z a-z 0-9 - . _ ~ stay as they are).
std::string query_escape(std::string_view value);

// Builds the sendsms request target (path and query) — exposed for tests.
std::string kannel_sendsms_target(const notify::KannelConfig& kannel, const OutgoingSms& sms);

class KannelGateway final : public SmsGateway {
 public:
  explicit KannelGateway(notify::KannelConfig kannel, common::Millis timeout);
  ~KannelGateway() override;
  SendResult send(const OutgoingSms& sms) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace piket::notify
