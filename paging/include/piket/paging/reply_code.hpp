#pragma once
// Reply codes: the digits a paged person sends back by SMS to answer a page
// ("123456" acknowledges, "NO 123456" declines). One place for their length,
// their shape and how long one stays valid.
//
// Length (docs/paging.md, "Reply codes"): 6 digits. Wrong codes lock a number
// after inbound.code_max_failures (5) within inbound.code_lock (15 min), so an
// attacker who can send from a staff number gets at most 480 guesses a day
// against that person. With one code live, 5 digits would give ~13 % success
// over a month of guessing, 6 digits ~1.4 %; per page (a code lives at most
// reply_code_window, 100 min by default: ≤ 35 guesses) 3.5e-4 vs 3.5e-5.
// Six digits is still one glance and one thumb on a phone keypad.
//
// A code is valid only for its page and only while that page can be
// answered: it is deleted when the page is answered, stands down or fails,
// and expires after reply_code_window (the key's TTL and the page's
// `code_until`, domain time).

#include <cstddef>
#include <string>
#include <string_view>

#include "piket/common/clock.hpp"

namespace piket::paging {

inline constexpr std::size_t kReplyCodeDigits = 6;

// Exactly kReplyCodeDigits ASCII digits.
bool is_reply_code(std::string_view code);

// kReplyCodeDigits random digits (libsodium).
std::string new_reply_code();

// How long a page can still be answered by its reply code, from its creation:
// `longest_unanswered` — the longest escalation of the configuration (every
// step's wait, every round: a first page stays answerable until its
// escalation ran out; config::Config::reply_code_window) — plus
// kReplyCodeGrace for a late answer after that. At least kReplyCodeGrace.
inline constexpr common::Millis kReplyCodeGrace{std::chrono::minutes{60}};
common::Millis reply_code_window(common::Millis longest_unanswered);

// The last 3 characters of a phone number behind "…", for a timeline entry:
// enough for a colleague to recognise their own phone, not enough to call it.
std::string mask_phone(std::string_view number);

// Scripts drop a page's reply code with piket_drop_reply_code(page_id)
// (store/lua/lib/paging_reply_code.lua).

}  // namespace piket::paging
