#pragma once
// What Kannel calls back: delivery reports (dlr-url) and incoming SMS
// (sms-service get-url). Runs apart from notify so that a delivery report is
// recorded even while notify is down — notify uses it to tell whether an
// interrupted send reached the gateway.
//
// Both Kannel callbacks carry the deployment's callback secret as `key=…`
// (kannel.callback_secret, from the secrets directory); without it, or with a
// wrong one: 401, counted, nothing changes.
// GET /kannel/dlr?key=…&page=P…&type=N[&ts=…] → records the report on the
//     page and its SMS delivery; type 2 (undelivered to the phone) or 16
//     (rejected by the SMSC) fails the delivery so notify moves to the next
//     channel at once; a final report that contradicts an earlier one (a
//     failure after a delivery) changes nothing and is counted as suspicious
// GET /kannel/sms?key=…&from=…&to=…&text=…   → an answer by reply code:
//     "123456" acknowledges, "NO 123456" (or NEE / DECLINE) declines; wrong
//     codes lock the number out (page_answer.hpp); a number that is not
//     staff's gets the same answer as a wrong code
// POST /v1/pages/{id}/ack, /v1/pages/{id}/decline with
//     "Authorization: Bearer <staff token>" ([[people]] token_sha256)
//     → 200 {"page_id","case_id","state"}; 401 without a valid token, 403 for
//     a page that went to someone else, 404 for an unknown page, 409 for the
//     other answer after the first
// The answer to /kannel/sms is plain text; Kannel may send it back as a reply.
// Neither the text nor the sender's number is ever logged.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "piket/common/bearer_auth.hpp"
#include "piket/common/clock.hpp"
#include "piket/common/config.hpp"
#include "piket/common/http_types.hpp"
#include "piket/common/metrics.hpp"
#include "piket/inbound/inbound_config.hpp"
#include "piket/rota/directory.hpp"

namespace piket::inbound {

// The first standalone run of exactly paging::kReplyCodeDigits digits in an
// SMS text, if any.
std::optional<std::string> find_ack_code(std::string_view text);

// An SMS reply read as an answer: the reply code, and decline when the first
// word is NO, NEE or DECLINE (any case). Empty without a code.
struct SmsAnswer {
  std::string code;
  bool decline = false;
};
std::optional<SmsAnswer> parse_sms_answer(std::string_view text);

namespace api {
struct InboundContext;  // the handlers' shared context (src/inbound_api_context.hpp)
}

// What InboundApi needs of the deployment besides its own section.
struct InboundDeps {
  common::RedisConfig redis;
  std::vector<rota::PersonConfig> people;   // a reply's number -> its person
  std::vector<common::TokenHolder> tokens;  // staff answer pages with theirs
                                            // (config::Config::bearer_tokens())
  std::string callback_secret;              // Kannel's ([kannel], from the secrets directory)
  int push_stream_maxlen = 1000;            // [notify]: an answered page's push stream
  // [deployment] language: SMS replies to people who chose none, and the
  // replies that must not tell whether a number is staff's (sms_reply_text.hpp).
  i18n::Language language = i18n::kDefaultLanguage;
};

class InboundApi {
 public:
  // `transport_clock` times outbox messages (the escalation channel); null:
  // the domain clock.
  // `on_escalation(id, payload)`: a decline's escalation message, already in
  // the outbox, to send now (OutboxSender::wake).
  using OnEscalation = std::function<void(const std::string& id, const std::string& payload)>;
  InboundApi(const InboundConfig& config, InboundDeps deps, const common::Clock& domain_clock,
             common::Metrics& metrics, const common::Clock* transport_clock = nullptr,
             OnEscalation on_escalation = {});
  ~InboundApi();
  InboundApi(const InboundApi&) = delete;
  InboundApi& operator=(const InboundApi&) = delete;
  common::HttpResponse handle(const common::HttpRequest& request);

 private:
  std::unique_ptr<api::InboundContext> context_;
};

}  // namespace piket::inbound
