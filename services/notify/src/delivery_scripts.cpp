#include "delivery_scripts.hpp"

#include <string>

#include "piket/common/deadline_timers.hpp"
#include "piket/common/messaging.hpp"
#include "piket/common/reply_code.hpp"

namespace piket::notify::scripts {
namespace {

// Appends a timeline event to the page's case (if it has one).
const char* kTimelineLua = R"lua(
local function timeline(case, event)
  if case and case ~= '' then
    redis.call('RPUSH', 'case:' .. case .. ':timeline', cjson.encode(event))
  end
end
local function page_took_it(p, now)
  local st = redis.call('HGET', p, 'state')
  if st == 'queued' or st == 'sending' then
    redis.call('HSET', p, 'state', 'accepted')
  end
  redis.call('HSETNX', p, 'accepted_at', now)
end
)lua";

std::string with_helpers(const char* body) {
  return std::string(kTimelineLua) + common::reply_code_drop_lua() + body;
}

}  // namespace

const common::RedisScript& expand() {
  static const common::RedisScript s{with_helpers(R"lua(
local id = ARGV[1]
local p = 'page:' .. id
local f = redis.call('HMGET', p, 'state', 'case', 'person', 'incident', 'rule', 'step', 'channels',
                    'to')
if not f[1] or not f[2] or not f[3] then return {'missing'} end
if f[7] then return {'already', f[1]} end
if f[1] ~= 'queued' then return {'not_queued', f[1]} end
local step = f[6] or ((f[4] or '') .. ':' .. (f[5] or ''))
local now = tonumber(ARGV[2])
local channels = {}
local suppressed = 0
for i = 0, tonumber(ARGV[3]) - 1 do
  local ch, after, to = ARGV[4 + i * 3], ARGV[5 + i * 3], ARGV[6 + i * 3]
  if ch == 'sms' and to == '' then to = f[8] or '' end
  local did = id .. ':' .. ch
  local d = 'delivery:' .. did
  local key = 'pagekey:' .. f[2] .. ':' .. step .. ':' .. f[3] .. ':' .. ch
  local owner = redis.call('GET', key)
  local st = 'scheduled'
  if owner and owner ~= did then
    st = 'suppressed'
    suppressed = suppressed + 1
    redis.call('HSET', d, 'duplicate_of', owner)
    timeline(f[2], {at = now, type = 'duplicate_suppressed', page = id, channel = ch,
                    duplicate_of = owner, by = 'notify'})
  else
    redis.call('SET', key, did)
  end
  redis.call('HSET', d, 'page', id, 'channel', ch, 'person', f[3], 'case', f[2], 'to', to,
             'order', i, 'after_ms', after, 'state', st, 'attempts', '0', 'created_at', ARGV[2])
  channels[#channels + 1] = ch
end
redis.call('HSET', p, 'channels', table.concat(channels, ','), 'expanded_at', ARGV[2],
           'rev', '1', 'step', step)
redis.call('ZADD', 'notify:timers', ARGV[2], id)
return {'expanded', tostring(suppressed)}
)lua")};
  return s;
}

const common::RedisScript& load() {
  static const common::RedisScript s{R"lua(
local f = redis.call('HMGET', 'page:' .. ARGV[1], 'state', 'created_at', 'rev', 'channels')
if not f[1] or not f[4] then return {} end
local out = {f[1], f[2] or '0', f[3] or '0', f[4]}
for ch in string.gmatch(f[4], '[^,]+') do
  local d = redis.call('HMGET', 'delivery:' .. ARGV[1] .. ':' .. ch, 'state', 'after_ms')
  out[#out + 1] = d[1] or 'failed'
  out[#out + 1] = d[2] or '0'
end
return out
)lua"};
  return s;
}

const common::RedisScript& apply() {
  static const common::RedisScript s{with_helpers(R"lua(
local id = ARGV[1]
local p = 'page:' .. id
local f = redis.call('HMGET', p, 'rev', 'state', 'case', 'person', 'incident')
if not f[2] then
  redis.call('ZREM', 'notify:timers', id)
  return {'missing'}
end
if (f[1] or '0') ~= ARGV[2] then return {'stale'} end
local answered = f[2] == 'acknowledged' or f[2] == 'declined'
local now = tonumber(ARGV[3])
local i = 9
local started = 0
for k = 1, tonumber(ARGV[8]) do
  local ch, reason, prev = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  i = i + 3
  local did = id .. ':' .. ch
  local d = 'delivery:' .. did
  if not answered and redis.call('HGET', d, 'state') == 'scheduled' then
    redis.call('HSET', d, 'state', 'queued', 'queued_at', ARGV[3], 'start_reason', reason)
    redis.call('ZADD', 'notify:queue', ARGV[4], did)
    started = started + 1
    if reason ~= 'at_once' then
      local ev = {at = now, type = 'channel_fallback', page = id, to = ch, reason = reason,
                  by = 'notify'}
      if prev ~= '-' then ev.from = prev end
      timeline(f[3], ev)
    end
  end
end
local nc = tonumber(ARGV[i])
i = i + 1
for k = 1, nc do
  local did = id .. ':' .. ARGV[i]
  i = i + 1
  local d = 'delivery:' .. did
  local st = redis.call('HGET', d, 'state')
  if st == 'scheduled' or st == 'queued' or st == 'retry' then
    redis.call('HSET', d, 'state', 'cancelled', 'cancelled_at', ARGV[3])
    redis.call('ZREM', 'notify:queue', did)
  end
end
if ARGV[5] == '-' then
  redis.call('ZREM', 'notify:timers', id)
else
  redis.call('ZADD', 'notify:timers', ARGV[5], id)
end
if ARGV[6] == 'exhausted' and not answered and f[2] ~= 'failed' then
  redis.call('HSET', p, 'state', 'failed', 'failed_at', ARGV[3])
  -- Nobody got the page: its reply code answers nothing any more.
  piket_drop_reply_code(id)
  timeline(f[3], {at = now, type = 'page_undeliverable', page = id, person = f[4], by = 'notify'})
  local mid = id .. ':undeliverable'
  local payload = cjson.encode({page_id = id, reason = 'undeliverable', case_id = f[3],
                                person = f[4]})
)lua") + common::outbox_add_lua("escalation", "mid", "payload", "ARGV[7]") +
                                     "if f[3] then\n" +
                                     common::deadline_resync_lua("f[3]", "ARGV[3]") + "end\n" +
                                     R"lua(
elseif ARGV[6] == 'duplicate' and f[2] == 'queued' then
  redis.call('HSET', p, 'state', 'duplicate')
  piket_drop_reply_code(id)
end
redis.call('HINCRBY', p, 'rev', 1)
return {'applied', tostring(started)}
)lua"};
  return s;
}

const common::RedisScript& due_timer() {
  static const common::RedisScript s{R"lua(
local ids = redis.call('ZRANGEBYSCORE', 'notify:timers', '-inf', ARGV[1], 'LIMIT', 0, 1)
return ids[1]
)lua"};
  return s;
}

const common::RedisScript& claim() {
  static const common::RedisScript s{with_helpers(R"lua(
local ids = redis.call('ZRANGEBYSCORE', 'notify:queue', '-inf', ARGV[1], 'LIMIT', 0, 1)
if #ids == 0 then return {'idle'} end
local did = ids[1]
local d = 'delivery:' .. did
local f = redis.call('HMGET', d, 'state', 'channel', 'page', 'to', 'dlr_type', 'person')
local st, ch, page = f[1], f[2], f[3]
if not st or not page then
  redis.call('ZREM', 'notify:queue', did)
  return {'skip', did}
end
local p = 'page:' .. page
local pf = redis.call('HMGET', p, 'state', 'case', 'incident', 'text', 'ack_code', 'reason')
local now = tonumber(ARGV[3])
-- A delivery report proves the gateway had the SMS: after a crash mid-send
-- ('sending', lease expired) or an unanswered request ('retry' after a timeout).
if ch == 'sms' and (st == 'sending' or st == 'retry') and f[5] and f[5] ~= '2' and f[5] ~= '16' then
  redis.call('HSET', d, 'state', 'accepted', 'accepted_at', ARGV[3], 'resolved_by', 'delivery_report')
  redis.call('ZREM', 'notify:queue', did)
  page_took_it(p, ARGV[3])
  timeline(pf[2], {at = now, type = 'page_sent', page = page, channel = ch,
                   resolved_by = 'delivery_report', by = 'notify'})
  return {'resolved', did, ch, page}
end
if st == 'queued' or st == 'retry' or st == 'sending' then
  if pf[1] == 'acknowledged' or pf[1] == 'declined' then
    redis.call('HSET', d, 'state', 'cancelled', 'cancelled_at', ARGV[3])
    redis.call('ZREM', 'notify:queue', did)
    return {'skip', did}
  end
  local doubt = 'fresh'
  if st == 'sending' then
    redis.call('HINCRBY', d, 'in_doubt_resends', 1)
    doubt = 'in_doubt'
  end
  local n = redis.call('HINCRBY', d, 'attempts', 1)
  redis.call('HSET', d, 'state', 'sending', 'sending_since', ARGV[3])
  redis.call('ZADD', 'notify:queue', ARGV[2], did)
  if pf[1] == 'queued' then redis.call('HSET', p, 'state', 'sending') end
  local inc = {}
  if pf[3] then
    inc = redis.call('HMGET', 'incident:' .. pf[3], 'kind', 'region', 'reported_at', 'body')
  end
  local household = ''
  if pf[2] then household = redis.call('HGET', 'case:' .. pf[2], 'household') or '' end
  return {'send', did, ch, page, f[4] or '', pf[4] or '', pf[5] or '', pf[2] or '',
          tostring(n), doubt, inc[1] or '', inc[2] or '', inc[3] or '', inc[4] or '',
          household, f[6] or '', pf[6] or ''}
end
redis.call('ZREM', 'notify:queue', did)
return {'skip', did}
)lua")};
  return s;
}

// `allow-oom`: what a gateway did with a message is recorded even when Redis
// is at its memory limit (a few hash fields per send). Refusing it would leave
// the delivery `sending` and, after the lease, send the SMS a second time.
const common::RedisScript& complete() {
  static const common::RedisScript s{"#!lua flags=allow-oom\n" + with_helpers(R"lua(
local did = ARGV[1]
local d = 'delivery:' .. did
local f = redis.call('HMGET', d, 'state', 'page', 'channel')
if f[1] ~= 'sending' then
  redis.call('ZREM', 'notify:queue', did)
  return f[1] or 'missing'
end
local p = 'page:' .. f[2]
local pf = redis.call('HMGET', p, 'state', 'case')
local now = tonumber(ARGV[3])
local outcome = ARGV[2]
if outcome == 'retry' and (pf[1] == 'acknowledged' or pf[1] == 'declined') then
  outcome = 'cancelled'
end
if outcome == 'accepted' then
  redis.call('HSET', d, 'state', 'accepted', 'accepted_at', ARGV[3], 'gateway_status', ARGV[5])
  redis.call('ZREM', 'notify:queue', did)
  page_took_it(p, ARGV[3])
  timeline(pf[2], {at = now, type = 'page_sent', page = f[2], channel = f[3], by = 'notify'})
elseif outcome == 'retry' then
  redis.call('HSET', d, 'state', 'retry', 'last_error', ARGV[6], 'gateway_status', ARGV[5])
  redis.call('ZADD', 'notify:queue', ARGV[4], did)
elseif outcome == 'cancelled' then
  redis.call('HSET', d, 'state', 'cancelled', 'cancelled_at', ARGV[3])
  redis.call('ZREM', 'notify:queue', did)
else
  redis.call('HSET', d, 'state', 'failed', 'failed_at', ARGV[3], 'fail_reason', ARGV[7],
             'last_error', ARGV[6], 'gateway_status', ARGV[5])
  redis.call('ZREM', 'notify:queue', did)
  redis.call('HINCRBY', p, 'rev', 1)
  redis.call('ZADD', 'notify:timers', ARGV[3], f[2])
  timeline(pf[2], {at = now, type = 'delivery_failed', page = f[2], channel = f[3],
                   reason = ARGV[7], detail = ARGV[6], by = 'notify'})
end
return outcome
)lua")};
  return s;
}

const common::RedisScript& push() {
  static const common::RedisScript s{with_helpers(R"lua(
local did = ARGV[1]
local d = 'delivery:' .. did
local f = redis.call('HMGET', d, 'state', 'page', 'to')
if f[1] ~= 'sending' then return {f[1] or 'missing'} end
if string.sub(f[3] or '', 1, 5) ~= 'push:' then return {'bad_stream'} end
local entry = {}
for i = 4, #ARGV do entry[#entry + 1] = ARGV[i] end
local xid = redis.call('XADD', f[3], 'MAXLEN', '~', ARGV[3], '*', unpack(entry))
redis.call('HSET', d, 'state', 'accepted', 'accepted_at', ARGV[2], 'stream_id', xid)
redis.call('ZREM', 'notify:queue', did)
local p = 'page:' .. f[2]
page_took_it(p, ARGV[2])
timeline(redis.call('HGET', p, 'case'), {at = tonumber(ARGV[2]), type = 'page_sent',
  page = f[2], channel = 'push', by = 'notify'})
return {'accepted', xid}
)lua")};
  return s;
}

}  // namespace piket::notify::scripts
