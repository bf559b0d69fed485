#pragma once
// Page creation, shared by every producer of pages (dispatch's commit script,
// the deadline engine's firing script). A page is three writes that belong
// together: the page hash, its per-person reply code and the notify outbox
// entry. store/lua/lib/paging_page_create.lua defines two local functions for a
// producer's own script (included with --#include), so the page is created atomically with the
// state change that causes it:
//
//   piket_page_taken(person, ack_code, page_id) -> true when the reply code is
//       already in use for that person or the page id exists (the caller picks
//       new ones and runs again). Call it before the script writes anything.
//       ack_code '' (a page that is information) checks the page id only.
//   piket_create_page(p) -> the notify payload (JSON {"page_id": …}). `p` is a
//       table {id, person, ack_code, to, text, incident, case, rule, now, due,
//       code_ttl [, step] [, brief, rank] [, more]}: `now` is domain time (created_at),
//       `due` the outbox resend time in transport time; `code_ttl` (ms) how
//       long the reply code may answer the page (paging::reply_code_window):
//       the page's `code_until` (domain) and the TTL of its ackcode key;
//       `step` (optional) names what the page is for, where incident and rule
//       do not (notify sends one page per case, step, person and channel);
//       `brief` and `rank` (optional, paging::PageTag) are the page's line and
//       urgency in a bundled SMS; `more` (optional, a list name, value, …)
//       the producer's own fields, written last in the same HSET. Writes page:{id} (state queued),
//       ackcode:{person}:{code} and outbox:notify.
//       ack_code '' makes a page that is information (paging/page_class.hpp):
//       no ackcode key, no `ack_code`/`code_until`, `info` = 1 on the page.

#include <string>

namespace piket::paging {

// "P" + 16 Crockford base32 characters.
std::string new_page_id();
// A new reply code (paging/reply_code.hpp): what the paged person replies.
std::string new_ack_code();

}  // namespace piket::paging
