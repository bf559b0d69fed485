#pragma once
// The Lua scripts behind Notifier: every change to a page's deliveries is one
// atomic script. Each is a file of its own under store/lua/notify (its header
// comment names its keys, arguments and reply); their typed arguments and
// replies are in piket/store/delivery_scripts.hpp. Keys and states:
// docs/paging.md.

#include "piket/common/redis.hpp"

namespace piket::notify::scripts {

// notify_expand.lua: a page's deliveries (store::NotifyExpandArgs).
const common::RedisScript& expand();
// notify_page_load.lua: a page's delivery state (store::parse_notify_page_load).
const common::RedisScript& load();
// notify_apply.lua: a page's delivery plan (store::NotifyApplyArgs).
const common::RedisScript& apply();
// notify_claim.lua: a page whose timer is due, or a batch of due deliveries to send,
// urgent first (store::NotifyClaimArgs, store::parse_notify_claim_batch).
const common::RedisScript& claim();
// notify_join.lua: the deliveries that go along in one bundled SMS
// (store::NotifyJoinArgs).
const common::RedisScript& join();
// notify_complete.lua: a batch's send outcomes (store::NotifyCompleteArgs).
const common::RedisScript& complete();
// notify_push.lua: a page on the push stream (store::NotifyPushArgs).
const common::RedisScript& push();

}  // namespace piket::notify::scripts
