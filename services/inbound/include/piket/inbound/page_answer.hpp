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
// after the first one is refused.

#include <string>

#include "piket/common/clock.hpp"
#include "piket/common/redis.hpp"

namespace piket::inbound {

enum class Answer { acknowledge, decline };
enum class AnswerVia { sms, api, web };
std::string_view to_string(Answer a);
std::string_view to_string(AnswerVia v);

struct PageAnswerRequest {
  std::string person;    // who answers: from the phone number or the staff token
  std::string page_id;   // the page, or empty and…
  std::string ack_code;  // …the reply code of the SMS (then looked up for `person`)
  Answer answer = Answer::acknowledge;
  AnswerVia via = AnswerVia::sms;
};

struct PageAnswerOutcome {
  enum class Kind {
    acknowledged,
    declined,
    already_acknowledged,
    already_declined,
    taken_by_other,  // the page stood down: a colleague acknowledged the incident
    unknown_page,
    unknown_code,
    not_yours,
  };
  Kind kind = Kind::unknown_page;
  std::string page_id;
  std::string case_id;  // set when the page was the person's own
  int cancelled = 0;    // deliveries that had not gone out
  // declined: the message queued on the "escalation" outbox (id
  // "{page_id}:declined"), for the sender to send at once.
  std::string escalation_payload;
};

// `domain_now`: the answer's time; `outbox_due`: when the escalation outbox
// sender first sends (real time); `push_stream_maxlen`: notify.push_stream_maxlen.
PageAnswerOutcome answer_page(common::RedisConnection& redis, const PageAnswerRequest& request,
                              common::Instant domain_now, common::Instant outbox_due,
                              int push_stream_maxlen);

}  // namespace piket::inbound
