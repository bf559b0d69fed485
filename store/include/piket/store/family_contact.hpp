#pragma once
// The family contact channel (issue 18): a message from a person of an open
// case, sent by SMS to the deployment's number, is stored inside the case.
// Keys (docs/data-model.md; owner piket-inbound, the index written by ingest
// through lib/family_phone_index.lua when it accepts an incident):
//   family:phone:{h}  hash case id -> the person's role (victim, perpetrator,
//                     child, other); h = common::phone_key_hash(number)
//   family:rate:{h}   hash n: messages from the number in the current window
//   case:{id}:family  hash seq (the last message number) and F{n} -> JSON
//                     {at, urgent, via, from, text, state}
//   family:seen:{d}   string: a message stored within the repeat window (d =
//                     SHA-1 of number hash, urgency and text): Kannel's retry
//                     of it is not stored again (expires with the window)
//   family:replies:{h}       hash n: answers sent to the number in the window
//   family:replies:unrouted  hash n: answers to numbers of no open case in the
//                     window, all together
// The answers (pages to the number that wrote; rule family_reply):
//   family:sender:{id}  hash to: the number that wrote (E.164), for the one
//                     "received" answer after an acknowledgement; never a
//                     perpetrator's; dropped when used, expires otherwise
// Routing (owner paging: piket-dispatch's family router; inbound starts it
// through lib/paging_family_route.lua):
//   family:due                 zset "<case>|<message>" -> the routing's next step
//                              (domain ms)
//   family:route:{case}:{message}  hash state (open, acknowledged, unanswered),
//                              page, person, rule, paged_at, deadline, page_tl,
//                              team_lead, escalated_at, acknowledged_by/_at,
//                              sender (family:sender:{id}), received_page
// The contact link (owner piket-cases, which makes and revokes it; the web's
// contact form reads it and stores a message through lib/family_message_add.lua):
//   case:{id}:family_link  hash hash, id, created_at, by: the case's one live link
//   family:link:{hash}     hash case, id, created_at, by; hash = SHA-256 hex of
//                          the link's secret (the secret is never stored)
//   family:link:{hash}:rate  hash n: messages by the link in the current window
// Scripts: store/lua/inbound/inbound_family_message.lua,
// store/lua/dispatch/dispatch_family_step.lua, store/lua/cases/cases_family_link_create.lua,
// cases_family_link_revoke.lua, store/lua/web/web_family_form_post.lua.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "piket/store/keys_util.hpp"

namespace piket::store {

inline std::string family_phone_key(std::string_view h) {
  return detail::join({"family", "phone", h});
}
inline std::string family_rate_key(std::string_view h) {
  return detail::join({"family", "rate", h});
}
inline std::string case_family_key(std::string_view id) {
  return detail::join({"case", id, "family"});
}
inline std::string family_seen_key(std::string_view d) {
  return detail::join({"family", "seen", d});
}
inline std::string family_replies_key(std::string_view h) {
  return detail::join({"family", "replies", h});
}
inline constexpr std::string_view kFamilyRepliesUnrouted = "family:replies:unrouted";
inline std::string family_sender_key(std::string_view id) {
  return detail::join({"family", "sender", id});
}
inline constexpr std::string_view kFamilyDue = "family:due";
inline std::string family_route_key(std::string_view case_id, std::string_view message) {
  return detail::join({"family", "route", case_id, message});
}

// A contact link's secret: Crockford base32 (common::random_base32; 130 bits),
// in the path kFamilyLinkPath + secret; Redis keys it by common::sha256_hex.
inline constexpr std::size_t kFamilyLinkSecretChars = 26;
inline constexpr std::string_view kFamilyLinkPath = "/m/";
// True when `s` has a secret's form (a lookup is not worth making otherwise).
inline bool looks_like_family_link_secret(std::string_view s) {
  if (s.size() != kFamilyLinkSecretChars) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) return false;
  return true;
}
inline std::string case_family_link_key(std::string_view id) {
  return detail::join({"case", id, "family_link"});
}
inline std::string family_link_key(std::string_view hash) {
  return detail::join({"family", "link", hash});
}
inline std::string family_link_rate_key(std::string_view hash) {
  return detail::join({"family", "link", hash, "rate"});
}

// ARGV 18 of ingest_accept.lua: "<h>:<role>" per person with a usable phone
// number, space-separated.
inline std::string family_phones_arg(const std::vector<std::pair<std::string, std::string>>& hr) {
  std::string out;
  for (const auto& [h, role] : hr) {
    if (!out.empty()) out += ' ';
    out += h + ":" + role;
  }
  return out;
}

// The ARGV of inbound_family_message.lua, and of web_family_form_post.lua (a
// message by the contact link: phone_hash is then the link's hash, rate_max
// per link, via "link"; it reads ARGV 1-8 and outbox_due_ms, and sends no
// answer). Times are domain ms except outbox_due_ms (transport); the TTLs are
// real time.
struct FamilyMessageArgs {
  std::string phone_hash;  // common::phone_key_hash of the sender's number
  std::int64_t now_ms = 0;
  std::string text;  // bounded by the caller (inbound: kFamilyTextMax)
  bool urgent = false;
  int rate_max = 5;                       // messages per number per window
  std::int64_t rate_window_ms = 3600000;  // the window (of the answers' rates too)
  int case_max = 500;                     // messages kept per case
  std::string via = "sms";
  std::string reply_page_id;      // the answer's page
  std::string number;             // the sender's, E.164: the answer's address
  std::string text_own;           // "your casemanager"
  std::string text_duty;          // "the casemanager on duty": every other number
  int replies_max = 5;            // answers per number per window
  int unrouted_replies_max = 60;  // answers to numbers of no open case per window
  std::int64_t outbox_due_ms = 0;
  std::int64_t repeat_window_ms = 300000;  // the same text again within it: a repeat
  std::int64_t sender_ttl_ms = 0;          // the number kept for "received"

  std::vector<std::string> args() const {
    const auto ms = [](std::int64_t v) { return std::to_string(v); };
    return {phone_hash,
            ms(now_ms),
            text,
            urgent ? "1" : "",
            std::to_string(rate_max),
            ms(rate_window_ms),
            std::to_string(case_max),
            via,
            reply_page_id,
            number,
            text_own,
            text_duty,
            std::to_string(replies_max),
            std::to_string(unrouted_replies_max),
            ms(outbox_due_ms),
            ms(repeat_window_ms),
            ms(sender_ttl_ms)};
  }
};

// The reply of inbound_family_message.lua and of web_family_form_post.lua.
struct FamilyMessageReply {
  enum class Kind {
    unknown,    // the number is no person's of an open case: nothing stored
    limited,    // over the number's rate: nothing stored
    stored,     // stored in each open case of the number (at most 3)
    repeat,     // the same text from the number stored within the repeat window
    collision,  // the answer's page id is taken: nothing written, pick another
  };
  enum class Answer {
    none,        // repeat, collision; the contact form (its answer is the web page)
    own,         // "your casemanager" sent
    duty,        // "the casemanager on duty" sent
    suppressed,  // over the answers' rate: nothing sent
  };
  struct Stored {
    std::string case_id;
    std::string message_id;  // F{n}; empty: the case holds case_max messages already
    std::string from;        // the sender's role in the case
    bool own = false;        // the case's casemanager is assigned and not absent now
  };
  Kind kind = Kind::unknown;
  Answer answer = Answer::none;
  std::string payload;  // the answer's notify message ('' none)
  std::vector<Stored> stored;

  static std::optional<FamilyMessageReply> parse(const std::vector<std::string>& r) {
    if (r.empty()) return std::nullopt;
    FamilyMessageReply out;
    if (r[0] == "repeat" || r[0] == "collision") {
      out.kind = r[0] == "repeat" ? Kind::repeat : Kind::collision;
      return out;
    }
    if (r.size() < 3 || (r.size() - 3) % 4 != 0) return std::nullopt;
    if (r[1] == "none")
      out.answer = Answer::none;
    else if (r[1] == "own")
      out.answer = Answer::own;
    else if (r[1] == "duty")
      out.answer = Answer::duty;
    else if (r[1] == "suppressed")
      out.answer = Answer::suppressed;
    else
      return std::nullopt;
    out.payload = r[2];
    if (r[0] == "unknown" || r[0] == "limited") {
      out.kind = r[0] == "unknown" ? Kind::unknown : Kind::limited;
      return r.size() == 3 ? std::optional(out) : std::nullopt;
    }
    if (r[0] != "stored" || r.size() < 7) return std::nullopt;
    out.kind = Kind::stored;
    for (std::size_t i = 3; i + 3 < r.size(); i += 4)
      out.stored.push_back({r[i], r[i + 1], r[i + 2], r[i + 3] == "1"});
    return out;
  }
};

// The ARGV of dispatch_family_step.lua. Times are domain ms except
// outbox_due_ms (transport).
struct FamilyStepArgs {
  std::string case_id;
  std::string message_id;
  std::string action;  // page | team_lead | acknowledged | unanswered | later
  std::int64_t now_ms = 0;
  std::optional<std::int64_t> next_ms;  // none: the routing is over
  std::string person;                   // empty: nobody could be paged
  std::string page_id;
  std::string reply_code;
  std::string phone;
  std::string text;
  std::string rule;
  std::int64_t outbox_due_ms = 0;
  std::int64_t code_ttl_ms = 0;
  std::int64_t deadline_ms = 0;
  std::string acknowledged_by;
  std::int64_t acknowledged_at_ms = 0;
  std::string brief;
  int rank = 0;
  std::string received_page_id;  // with acknowledged: the "received" answer's page
  std::string received_text;

  std::vector<std::string> args() const {
    const auto ms = [](std::int64_t v) { return std::to_string(v); };
    return {case_id,
            message_id,
            action,
            ms(now_ms),
            next_ms ? ms(*next_ms) : std::string(),
            person,
            page_id,
            reply_code,
            phone,
            text,
            rule,
            ms(outbox_due_ms),
            ms(code_ttl_ms),
            ms(deadline_ms),
            acknowledged_by,
            ms(acknowledged_at_ms),
            brief,
            std::to_string(rank),
            received_page_id,
            received_text};
  }
};

struct FamilyStepReply {
  enum class Kind { done, duplicate, closed, collision };
  Kind kind = Kind::collision;
  std::string payload;  // the notify message of the page made ('' none)

  static std::optional<FamilyStepReply> parse(const std::vector<std::string>& r) {
    if (r.empty()) return std::nullopt;
    FamilyStepReply out;
    if (r[0] == "done" && r.size() >= 2) {
      out.kind = Kind::done;
      out.payload = r[1];
    } else if (r[0] == "duplicate") {
      out.kind = Kind::duplicate;
    } else if (r[0] == "closed") {
      out.kind = Kind::closed;
    } else if (r[0] != "collision") {
      return std::nullopt;
    }
    return out;
  }
};

}  // namespace piket::store
