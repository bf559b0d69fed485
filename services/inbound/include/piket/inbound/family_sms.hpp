#pragma once
// An SMS from a family (issue 18): a number that is not staff's, with a text
// that is not an answer by reply code, is a family's message. Pure helpers of
// the family path of /kannel/sms (src/inbound_api_family.cpp): how the text is
// read (urgent or not, bounded) and which automatic answer the family gets.
//
// The answer names nobody: who picks the message up, by role only
// (family.reply.* in i18n/<lang>/piket.po, the deployment's language). Every
// number piket does not route — unknown, a perpetrator's, over its rate — gets
// the same "casemanager on duty" text as a family whose casemanager is away,
// so the answer never tells whether a number is known or whose it is.

#include <cstddef>
#include <string>
#include <string_view>

#include "piket/i18n/language.hpp"
#include "piket/store/family_contact.hpp"

namespace piket::inbound {

// The longest text stored (characters; a longer one is cut at a character
// boundary). Kannel hands at most 1,600 bytes (a long SMS).
inline constexpr std::size_t kFamilyTextMax = 1000;
// At most this many messages per number per hour are stored; more are
// answered like any other and counted.
inline constexpr int kFamilyRateMax = 5;
inline constexpr std::int64_t kFamilyRateWindowMs = 3600 * 1000;
// At most this many messages kept per case.
inline constexpr int kFamilyCaseMax = 500;

struct FamilySms {
  std::string text;  // without the urgent keyword, at most kFamilyTextMax characters
  bool urgent = false;
};

// The first word DRINGEND, SPOED or URGENT (any case, optionally followed by
// ':' or '!') marks the message urgent; that word is not kept.
FamilySms read_family_sms(std::string_view body);

enum class FamilyReply {
  own,  // "your casemanager": the case's own is assigned and not absent
  duty  // "the casemanager on duty": everything else, also every number not routed
};

// The answer for the script's reply: `own` only for a stored message from a
// person who is not the perpetrator, in a case whose casemanager is there.
FamilyReply family_reply_for(const store::FamilyMessageReply& r);

std::string family_reply_text(FamilyReply reply, i18n::Language language);

}  // namespace piket::inbound
