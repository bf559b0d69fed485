#pragma once
// Page creation, shared by every producer of pages (dispatch's commit script,
// the deadline engine's firing script). A page is three writes that belong
// together: the page hash, its per-person reply code and the notify outbox
// entry. page_lua() returns Lua that defines two local functions for a
// producer's own script, so the page is created atomically with the state
// change that causes it:
//
//   piket_page_taken(person, ack_code, page_id) -> true when the reply code is
//       already in use for that person or the page id exists (the caller picks
//       new ones and runs again). Call it before the script writes anything.
//   piket_create_page(p) -> the notify payload (JSON {"page_id": …}). `p` is a
//       table {id, person, ack_code, to, text, incident, case, rule, now, due,
//       code_ttl [, step]}: `now` is domain time (created_at), `due` the outbox
//       resend time in transport time; `code_ttl` (ms) how long the reply
//       code may answer the page (common::reply_code_window): the page's
//       `code_until` (domain) and the TTL of its ackcode key; `step`
//       (optional) names what the page is for, where incident and rule do not
//       (notify sends one page per case, step, person and channel). Writes
//       page:{id} (state queued), ackcode:{person}:{code} and outbox:notify.

#include <string>

namespace piket::common {

std::string page_lua();


// "P" + 16 Crockford base32 characters.
std::string new_page_id();
// A new reply code (common/reply_code.hpp): what the paged person replies.
std::string new_ack_code();

}  // namespace piket::common
