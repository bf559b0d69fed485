#pragma once
// An SMS from a family (issue 18): a number that is not staff's, with a text
// that is not an answer by reply code, is a family's message. Pure helpers of
// the family path of /kannel/sms (src/inbound_api_family.cpp): how the text is
// read (urgent or not, bounded), the automatic answer's texts and its bounds.
//
// The answer is an SMS to the number that wrote (a page, sent by notify; the
// script that stores the message picks it: inbound_family_message.lua). It
// names nobody: who picks the message up, by role only (family.reply.* in
// i18n/<lang>/piket.po, the deployment's language). Every number piket does
// not route — unknown, a perpetrator's, over its rate — gets the same
// "casemanager on duty" text as a family whose casemanager is away, so the
// answer never tells whether a number is known or whose it is.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "piket/i18n/language.hpp"

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
// At most this many answers per number per window (kFamilyRateWindowMs); and
// to numbers of no open case at most kFamilyUnroutedRepliesMax in the window,
// all such numbers together: a stranger cannot make piket send without bound.
inline constexpr int kFamilyRepliesMax = 5;
inline constexpr int kFamilyUnroutedRepliesMax = 60;
// The same text from the same number within this is a repeat (Kannel's retry
// after a lost response): stored once, answered once.
inline constexpr std::int64_t kFamilyRepeatWindowMs = 5 * 60 * 1000;
// How long the number is kept for the "received" answer: the longest a
// message can wait for an acknowledgement (24 h to the team lead, 24 h more
// watched) and an hour.
inline constexpr std::int64_t kFamilySenderTtlMs = 49LL * 3600 * 1000;

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

std::string family_reply_text(FamilyReply reply, i18n::Language language);

}  // namespace piket::inbound
