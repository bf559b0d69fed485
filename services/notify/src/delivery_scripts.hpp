#pragma once
// The Lua scripts behind Notifier: every change to a page's deliveries is one
// atomic script. Keys and states: docs/paging.md.

#include "piket/common/redis.hpp"

namespace piket::notify::scripts {

// ARGV: 1 page id, 2 domain now ms, 3 number of rules, then per rule:
// channel, after ms, address. -> {'expanded', suppressed} | {'already', state}
// | {'not_queued', state} | {'missing'}
const common::RedisScript& expand();
// ARGV: 1 page id -> {} or {state, created_at, rev, channels, (state, after_ms)…}
const common::RedisScript& load();
// ARGV: 1 page, 2 rev, 3 domain now, 4 transport now, 5 next wake-up (domain
// ms or '-'), 6 outcome ('-', 'exhausted', 'duplicate'), 7 outbox due
// (transport), 8 number of starts, then (channel, reason, previous channel or
// '-') per start, then the number of cancels and their channels.
// -> {'applied', started} | {'stale'} | {'missing'}
const common::RedisScript& apply();
// ARGV: 1 domain now -> a page id whose timer is due, or nil.
const common::RedisScript& due_timer();
// ARGV: 1 transport now, 2 lease until (transport), 3 domain now.
// -> {'idle'} | {'skip', id} | {'resolved', id, channel, page}
//  | {'send', id, channel, page, to, text, ack_code, case, attempt, fresh|in_doubt,
//     kind, region, reported_at, incident body, household, person}
const common::RedisScript& claim();
// ARGV: 1 delivery id, 2 accepted|retry|failed, 3 domain now, 4 retry due
// (transport), 5 gateway status, 6 detail, 7 failure reason. -> the outcome
// applied ('accepted', 'retry', 'failed', 'cancelled') or the state found.
const common::RedisScript& complete();
// ARGV: 1 delivery id, 2 domain now, 3 stream cap, then the entry's field/value
// pairs. -> {'accepted', stream id} | {state found}
const common::RedisScript& push();

}  // namespace piket::notify::scripts
