#pragma once
// What piket answers to an SMS from staff (reply.* in i18n/<lang>/piket.po):
// fixed texts, one GSM-7 segment each, holding at most the case code.
//
// The answers that would tell whether a number is staff's (no code, a code
// that is not valid) are always in the deployment's language; the others go
// to a known person and are in theirs.

#include <string>
#include <string_view>

#include "piket/i18n/language.hpp"

namespace piket::inbound {

enum class SmsReply {
  no_code,  // no 6-digit code in the text
  invalid,  // wrong, used or expired; also every answer from a number that is not staff's
  locked,   // too many wrong codes: SMS answers are off for a while
  acknowledged,
  declined,
  already_acknowledged,
  already_declined,
  taken,  // a colleague acknowledged it first
};

// `case_id` is used by the answers about a case (acknowledged … taken) only.
std::string sms_reply_text(SmsReply reply, std::string_view case_id, i18n::Language language);

}  // namespace piket::inbound
