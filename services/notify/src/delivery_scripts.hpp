#pragma once
// The Lua scripts behind Notifier: every change to a page's deliveries is one
// atomic script. Keys and states: docs/paging.md.

#include "piket/common/redis.hpp"

namespace piket::notify::scripts {

// ARGV: 1 page id, 2 domain now ms, 3 number of rules, then per rule:
// channel, after ms, address. -> {'expanded', suppressed} | {'already', state}
// | {'not_queued', state} | {'missing'}
const common::RedisScript& expand();
// ARGV: 1 page id -> {} or {state, created_at, rev, channels, info ('1': the page
// is information), (state, after_ms)…}
const common::RedisScript& load();
// ARGV: 1 page, 2 rev, 3 domain now, 4 transport now, 5 next wake-up (domain
// ms or '-'), 6 outcome ('-', 'exhausted', 'duplicate'), 7 outbox due
// (transport), 8 number of starts, then (channel, reason, previous channel or
// '-') per start, then the number of cancels and their channels.
// -> {'applied', started} | {'stale'} | {'missing'}
const common::RedisScript& apply();
// ARGV: 1 domain now -> a page id whose timer is due, or nil.
const common::RedisScript& due_timer();
// ARGV: 1 transport now, 2 lease until (transport), 3 domain now, 4 bundle
// window ms ('0': no bundling), 5 at most this many candidates.
// -> {'idle'} | {'skip', id} | {'resolved', id, channel, page}
//  | {'held', id, until}: an SMS went to the person less than a window ago;
//     the delivery waits until the window's end (transport ms)
//  | {'send', id, channel, page, to, text, ack_code, case, attempt, fresh|in_doubt,
//     kind, region, reported_at, incident body, household, person, reason,
//     brief, rank, created_at, info, N, then N candidates of 8 fields each:
//     delivery id, page, ack_code, brief, rank, created_at, incident body,
//     household} — the candidates are the person's other SMS deliveries due
//     within the window and, when the claimed delivery is an in-doubt member
//     of a bundle, that bundle's other members in doubt (not claimed: join()
//     claims the ones that go along).
const common::RedisScript& claim();
// ARGV: 1 bundle id, 2 the claimed delivery, 3 lease until (transport),
// 4 domain now, 5 TTL of the bundle record (ms), 6 transport now, 7..
// candidate delivery ids. Claims each candidate still waiting (queued or
// retry, or in doubt: `sending` with its lease over and no delivery report;
// its page unanswered) with the same lease and the bundle id, and writes
// smsbundle:{id} (person, deliveries, pages, created_at). -> the delivery ids
// in the bundle, the claimed one first ({} when it is no longer being sent).
const common::RedisScript& join();
// ARGV: 1 delivery id, 2 accepted|retry|failed, 3 domain now, 4 retry due
// (transport), 5 gateway status, 6 detail, 7 failure reason. -> the outcome
// applied ('accepted', 'retry', 'failed', 'cancelled') or the state found.
const common::RedisScript& complete();
// ARGV: 1 accepted|retry|failed, 2 domain now, 3 retry due, 4 gateway status,
// 5 detail, 6 failure reason, 7.. the bundle's delivery ids. The same outcome
// for every delivery of one SMS, in one script. -> the outcome per delivery.
const common::RedisScript& complete_bundle();
// ARGV: 1 delivery id, 2 domain now, 3 stream cap, then the entry's field/value
// pairs. -> {'accepted', stream id} | {state found}
const common::RedisScript& push();

}  // namespace piket::notify::scripts
