#pragma once
// Answering a page: acknowledge ("I take it") or decline ("I cannot take this
// one") — by SMS reply code, through the staff API, or from the web app. One
// atomic script for every way in:
//   - only the person the page went to may answer it; anyone else is refused
//     and nothing changes;
//   - the deliveries that have not gone out yet are cancelled (notify sends
//     nothing more for this page) and a `page_closed` entry goes to the
//     person's push stream if the page was pushed;
//   - acknowledge: page `acknowledged`, the incident `acknowledged`, timeline
//     event `acknowledged`;
//   - decline: page `declined`, timeline event `declined`, and the message
//     {page_id, reason: "declined", case_id, person} on the outbox channel
//     "escalation" for the deadline engine to move on at once
//     (docs/paging.md).
// Answering twice the same way is harmless (`already_…`); the other answer
// after the first one is refused. A page that is information (`info` = 1)
// cannot be answered at all (`informational`): acknowledging the FYI to an
// off-duty casemanager must not take the incident from the on-call one.
//
// By reply code (SMS, `page_id` empty): the code is looked up for the person,
// valid only until the page's `code_until` (domain time) and deleted as soon
// as the page is answered, stands down or fails. Wrong codes are counted per
// person and per sending number (`codeguard:person:{id}`,
// `codeguard:number:{sha256 prefix}`): `guard.max_failures` within
// `guard.lock` lock both for `guard.lock`; while locked no code answers
// anything, not even the right one (`locked`). docs/paging.md "Reply codes".
//
// Every answer records how it came: `via` (sms, api, web) and `via_ref` (the
// masked number, the session's hash prefix, the token's owner) on the page
// (`acknowledged_via_ref` / `declined_via_ref`) and in the timeline entry.

#include <string>
#include <vector>

#include "piket/common/clock.hpp"
#include "piket/common/redis.hpp"

namespace piket::paging {

enum class Answer { acknowledge, decline };
enum class AnswerVia { sms, api, web };
std::string_view to_string(Answer a);
std::string_view to_string(AnswerVia v);

struct PageAnswerRequest {
  std::string person;    // who answers: from the phone number or the staff token;
                         // empty (SMS only): a number that is not staff's — nothing
                         // is looked up, the answer is `unknown_code`
  std::string page_id;   // the page, or empty and…
  std::string ack_code;  // …the reply code of the SMS (then looked up for `person`)
  Answer answer = Answer::acknowledge;
  AnswerVia via = AnswerVia::sms;
  std::string via_ref;     // how exactly: "…678" (SMS), "session 1a2b3c4d", "token anna"
  std::string number_key;  // SMS: a hash of the sending number (its wrong-code guard)
};

// The wrong-code lock-out of SMS answers (inbound.code_max_failures,
// inbound.code_lock).
struct CodeGuard {
  int max_failures = 5;
  common::Millis lock{15 * 60 * 1000};
};

struct PageAnswerOutcome {
  enum class Kind {
    acknowledged,
    declined,
    already_acknowledged,
    already_declined,
    taken_by_other,  // the page stood down: a colleague acknowledged the incident
    unknown_page,
    unknown_code,  // wrong, used or expired: counted against the number and person
    locked,        // the number or person is locked out: nothing was looked up
    not_yours,
    informational,  // the page is information (paging/page_class.hpp): nothing changes
  };
  Kind kind = Kind::unknown_page;
  std::string page_id;
  std::string case_id;  // set when the page was the person's own
  int cancelled = 0;    // deliveries that had not gone out
  // declined: the message queued on the "escalation" outbox (id
  // "{page_id}:declined"), for the sender to send at once.
  std::string escalation_payload;
  // unknown_code that reached the limit (`newly_locked`), or locked: until when.
  bool newly_locked = false;
  common::Instant locked_until{};
};

// `domain_now`: the answer's time; `outbox_due`: when the escalation outbox
// sender first sends (real time); `push_stream_maxlen`: notify.push_stream_maxlen.
PageAnswerOutcome answer_page(common::RedisConnection& redis, const PageAnswerRequest& request,
                              common::Instant domain_now, common::Instant outbox_due,
                              int push_stream_maxlen, const CodeGuard& guard = {});

// People whose SMS answers are locked out now (for the team lead's board):
// person id → locked until (domain time).
struct LockedNumber {
  std::string person;
  common::Instant until;
};
std::vector<LockedNumber> locked_numbers(common::RedisConnection& redis,
                                         common::Instant domain_now);

}  // namespace piket::paging
