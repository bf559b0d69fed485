#pragma once
// The typed arguments and reply of the page answer script
// (store/lua/inbound/inbound_page_answer.lua, run by piket-inbound and, in
// process, piket-web; paging/include/piket/paging/page_answer.hpp
// says what an answer does). Pure: the caller runs the script.

#include <optional>
#include <string>
#include <vector>

namespace piket::store {

struct PageAnswerArgs {
  std::string person;    // who answers; '' (SMS): a number that is not staff's
  std::string page_id;   // or '' and…
  std::string ack_code;  // …the reply code, looked up for `person`
  std::string answer;    // acknowledge | decline
  std::string via;       // sms | api | web
  long long domain_now_ms = 0;
  long long outbox_due_ms = 0;  // transport: when the escalation outbox first sends
  int push_stream_cap = 0;      // approximate MAXLEN of push:{person}
  std::string via_ref;          // the masked number, the session's hash prefix, the token's owner
  int max_wrong_codes = 5;      // wrong codes within `lock_ms` that lock
  long long lock_ms = 0;
  std::string number_guard;  // the sending number's guard (codeguard:number:{it}); '' none

  std::vector<std::string> argv() const {
    return {person,
            page_id,
            ack_code,
            answer,
            via,
            std::to_string(domain_now_ms),
            std::to_string(outbox_due_ms),
            std::to_string(push_stream_cap),
            via_ref,
            std::to_string(max_wrong_codes),
            std::to_string(lock_ms),
            number_guard};
  }
};

struct PageAnswerReply {
  // acknowledged, declined, already_acknowledged, already_declined,
  // taken_by_other, informational, unknown_page, not_yours, unknown_code,
  // locked, locked_now ('' for an empty reply).
  std::string outcome;
  std::string page_id;
  std::string case_id;
  int cancelled = 0;                         // deliveries that had not gone out
  std::string escalation_payload;            // declined: the message put on the escalation outbox
  std::optional<long long> locked_until_ms;  // locked, locked_now: until when (domain)
};
// Throws std::invalid_argument / std::out_of_range when the count or the lock's
// end is not a number.
inline PageAnswerReply parse_page_answer_reply(const std::vector<std::string>& e) {
  PageAnswerReply r;
  if (e.empty()) return r;
  r.outcome = e[0];
  if (e.size() > 1) r.page_id = e[1];
  if (e.size() > 2) r.case_id = e[2];
  if (e.size() > 3) r.cancelled = std::stoi(e[3]);
  if (e.size() > 4) r.escalation_payload = e[4];
  if (e.size() > 5) r.locked_until_ms = std::stoll(e[5]);
  return r;
}

}  // namespace piket::store
