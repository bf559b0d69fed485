// SMS replies (Kannel's sms-service): an answer by reply code — "123456"
// acknowledges, "NO 123456" (or NEE / DECLINE) declines. Neither the text nor
// the sender's number is ever logged.
#include <spdlog/spdlog.h>

#include "inbound_api_handlers.hpp"
#include "piket/common/crypto.hpp"
#include "piket/inbound/sms_reply_text.hpp"
#include "piket/paging/reply_code.hpp"

namespace piket::inbound {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}  // not ::isdigit: UB on negative char

}  // namespace

std::optional<std::string> find_ack_code(std::string_view t) {
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (!is_digit(t[i])) continue;
    std::size_t j = i;
    while (j < t.size() && is_digit(t[j])) ++j;
    if (j - i == paging::kReplyCodeDigits)
      return std::string(t.substr(i, paging::kReplyCodeDigits));
    i = j;
  }
  return std::nullopt;
}

std::optional<SmsAnswer> parse_sms_answer(std::string_view t) {
  auto code = find_ack_code(t);
  if (!code) return std::nullopt;
  std::size_t b = 0;
  while (b < t.size() && (t[b] == ' ' || t[b] == '\t' || t[b] == '\n' || t[b] == '\r')) ++b;
  std::size_t e = b;
  while (e < t.size() && ((t[e] >= 'a' && t[e] <= 'z') || (t[e] >= 'A' && t[e] <= 'Z'))) ++e;
  std::string word(t.substr(b, e - b));
  for (auto& c : word) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return SmsAnswer{*code, word == "NO" || word == "NEE" || word == "DECLINE"};
}

namespace api {

// An incoming SMS: GET with from and text in the query (Kannel's get-url),
// or POST with the text as the body and the sender in X-Kannel-From
// (post-url, what piket's own Kannel uses: the URL smsbox logs when a call
// fails then carries no number and no text). The secret is in the query.
HttpResponse sms_reply(InboundContext& c, const HttpRequest& r, std::string_view) {
  auto p = query_params(r);
  if (!callback_authentic(c, p)) {
    c.sms_callback_refused.Increment();
    return common::error_response(401, "unauthorized", "the callback secret is missing or wrong");
  }
  if (r.method == "POST") {
    p["from"] = std::string(r.header("x-kannel-from"));
    p["text"] = r.body;
  }
  const auto& from = p["from"];
  const auto& body = p["text"];
  if (from.empty() || from.size() > 32 || body.size() > 1600)
    return common::error_response(400, "invalid_sms", "from (≤32) and text (≤1600) are required");
  const auto parsed = parse_sms_answer(body);
  const auto person = c.person_by_phone.find(from);
  const bool staff = person != c.person_by_phone.end();
  // Issue 18: any text from a number that is not staff's is a family's message
  // (inbound_api_family.hpp) — also one holding six digits in a row ("bel me op
  // 06 123456 78"): only staff can answer a page, so such a text was a wrong
  // code to nobody, and the family's message was lost. Every number piket does
  // not route gets the same answer, by an SMS of its own (the HTTP answer to
  // Kannel is empty; Kannel sends none: max-messages 0); the answer goes to the
  // number, not to whoever spoofed it, so it tells a caller nothing.
  if (!staff) return family_sms(c, from, body);
  if (!parsed) {
    c.ack_refused.Increment();
    return text(200, sms_reply_text(SmsReply::no_code, "", c.deps.language));
  }
  PageAnswerRequest req{person->second,
                        "",
                        parsed->code,
                        parsed->decline ? Answer::decline : Answer::acknowledge,
                        AnswerVia::sms,
                        paging::mask_phone(from),
                        common::sha256_hex(from).substr(0, 16)};
  const auto o = answer(c, req);
  count(c, o);
  using K = PageAnswerOutcome::Kind;
  const auto language = c.language_by_person.at(person->second);
  const auto reply = [&](SmsReply what) {
    return text(200, sms_reply_text(what, o.case_id, language));
  };
  switch (o.kind) {
    case K::acknowledged:
      spdlog::info("page {} acknowledged by {} via SMS for case {}", o.page_id, person->second,
                   o.case_id);
      return reply(SmsReply::acknowledged);
    case K::declined:
      spdlog::info("page {} declined by {} via SMS for case {}", o.page_id, person->second,
                   o.case_id);
      return reply(SmsReply::declined);
    case K::already_acknowledged:
      return reply(SmsReply::already_acknowledged);
    case K::already_declined:
      return reply(SmsReply::already_declined);
    case K::taken_by_other:
      return reply(SmsReply::taken);
    case K::locked:
      c.locked_refused.Increment();
      if (o.newly_locked) {
        c.wrong_codes.Increment();
        c.lockouts.Increment();
        spdlog::warn("SMS answers of {} locked after {} wrong reply codes", person->second,
                     c.config.code_max_failures);
      } else {
        spdlog::info("SMS answer by {} refused: locked after wrong reply codes", person->second);
      }
      return reply(SmsReply::locked);
    default:
      c.wrong_codes.Increment();
      spdlog::info("SMS answer by {} refused: not a valid code of theirs", person->second);
      return text(200, sms_reply_text(SmsReply::invalid, "", c.deps.language));
  }
}

}  // namespace api
}  // namespace piket::inbound
