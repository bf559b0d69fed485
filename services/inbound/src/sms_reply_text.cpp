#include "piket/inbound/sms_reply_text.hpp"

#include "piket/i18n/catalog.hpp"

namespace piket::inbound {
namespace {
std::string_view message_id(SmsReply r) {
  switch (r) {
    case SmsReply::no_code:
      return "reply.no_code";
    case SmsReply::invalid:
      return "reply.invalid";
    case SmsReply::locked:
      return "reply.locked";
    case SmsReply::acknowledged:
      return "reply.acknowledged";
    case SmsReply::declined:
      return "reply.declined";
    case SmsReply::already_acknowledged:
      return "reply.already_acknowledged";
    case SmsReply::already_declined:
      return "reply.already_declined";
    case SmsReply::taken:
      break;
  }
  return "reply.taken";
}
}  // namespace

std::string sms_reply_text(SmsReply reply, std::string_view case_id, i18n::Language language) {
  return i18n::render(language, message_id(reply), fmt::arg("case", case_id));
}

}  // namespace piket::inbound
