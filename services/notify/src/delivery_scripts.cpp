#include "delivery_scripts.hpp"

#include <string>

#include "piket/store/lua.hpp"
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
  static const common::RedisScript s{std::string(lua::notify_page_load())};
  return s;
}

const common::RedisScript& apply() {
  static const common::RedisScript s{with_helpers(R"lua(
local id = ARGV[1]
local p = 'page:' .. id
local f = redis.call('HMGET', p, 'rev', 'state', 'case', 'person', 'incident', 'info')
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
    -- The person's SMS waiting to go: what a bundled SMS takes along (claim).
    if ch == 'sms' and f[4] then redis.call('ZADD', 'notify:smsq:' .. f[4], ARGV[4], did) end
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
  -- Information (common/page_class.hpp) is never escalated: nobody waits on it.
  if f[6] ~= '1' then
  local mid = id .. ':undeliverable'
  local payload = cjson.encode({page_id = id, reason = 'undeliverable', case_id = f[3],
                                person = f[4]})
)lua") + common::outbox_add_lua("escalation", "mid", "payload", "ARGV[7]") +
                                     "if f[3] then\n" +
                                     common::deadline_resync_lua("f[3]", "ARGV[3]") + "end\n" +
                                     R"lua(
  end
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
  static const common::RedisScript s{std::string(lua::notify_due_timer())};
  return s;
}

// `#!lua` (claim and join): at Redis's memory limit a delivery is not claimed
// at all — refused up front, whatever the script writes first (a plain script
// is refused only at its first memory-growing write, and may have written
// before it) — and is sent once memory is free (docs/data-model.md, "Memory
// limit").
const common::RedisScript& claim() {
  static const common::RedisScript s{"#!lua\n" + with_helpers(R"lua(
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
local pf = redis.call('HMGET', p, 'state', 'case', 'incident', 'text', 'ack_code', 'reason',
                      'brief', 'rank', 'created_at', 'info')
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
  local tnow = tonumber(ARGV[1])
  local window = tonumber(ARGV[4] or '0')
  local person = f[6] or ''
  local q = 'notify:smsq:' .. person
  if ch == 'sms' and person ~= '' then
    redis.call('ZREM', q, did)
    redis.call('ZREMRANGEBYSCORE', q, '-inf', tnow - 86400000)
    if window > 0 then
      -- At most one new SMS per person per window: a delivery due meanwhile
      -- waits for the window's end and then goes with what else is due by
      -- then. (A retry or an in-doubt resend is the same SMS again: it keeps
      -- its own schedule.)
      local last = tonumber(redis.call('GET', 'notify:smslast:' .. person) or '0')
      if st == 'queued' and last > 0 and tnow < last + window then
        redis.call('ZADD', 'notify:queue', last + window, did)
        redis.call('ZADD', q, last + window, did)
        return {'held', did, tostring(last + window)}
      end
      redis.call('SET', 'notify:smslast:' .. person, ARGV[1], 'PX', 2 * window)
    end
  end
  local doubt = 'fresh'
  local old_bundle = redis.call('HGET', d, 'bundle')
  if st == 'sending' then
    redis.call('HINCRBY', d, 'in_doubt_resends', 1)
    doubt = 'in_doubt'
  end
  local n = redis.call('HINCRBY', d, 'attempts', 1)
  redis.call('HSET', d, 'state', 'sending', 'sending_since', ARGV[3])
  redis.call('HDEL', d, 'bundle')
  redis.call('ZADD', 'notify:queue', ARGV[2], did)
  if pf[1] == 'queued' then redis.call('HSET', p, 'state', 'sending') end
  local function incident_of(incident_id, case_id)
    local inc = {}
    if incident_id and incident_id ~= '' then
      inc = redis.call('HMGET', 'incident:' .. incident_id, 'kind', 'region', 'reported_at', 'body')
    end
    local household = ''
    if case_id and case_id ~= '' then
      household = redis.call('HGET', 'case:' .. case_id, 'household') or ''
    end
    return inc, household
  end
  local inc, household = incident_of(pf[3], pf[2])
  local out = {'send', did, ch, page, f[4] or '', pf[4] or '', pf[5] or '', pf[2] or '',
               tostring(n), doubt, inc[1] or '', inc[2] or '', inc[3] or '', inc[4] or '',
               household, person, pf[6] or '', pf[7] or '', pf[8] or '', pf[9] or '',
               pf[10] or ''}
  -- The person's other SMS due within the window: what may go along in this
  -- SMS (the caller picks what fits and claims it with join()).
  local cands = {}
  if ch == 'sms' and window > 0 and person ~= '' and pf[7] then
    local more = {}
    -- An in-doubt bundle goes again as one: its members whose lease ran out
    -- without a delivery report (they are in doubt as well).
    if doubt == 'in_doubt' and old_bundle then
      local members = redis.call('HGET', 'smsbundle:' .. old_bundle, 'deliveries') or ''
      for sib in string.gmatch(members, '[^,]+') do
        local sd = redis.call('HMGET', 'delivery:' .. sib, 'state', 'dlr_type', 'bundle')
        local lease = tonumber(redis.call('ZSCORE', 'notify:queue', sib) or 'inf')
        if sib ~= did and sd[1] == 'sending' and not sd[2] and sd[3] == old_bundle
           and lease <= tnow then
          more[#more + 1] = sib
        end
      end
    end
    -- The most urgent of what waits (page rank, then age) — up to ARGV[5] of
    -- them: a long queue cannot push an urgent page out of this SMS.
    for _, cid in ipairs(redis.call('ZRANGEBYSCORE', q, '-inf', tnow + window, 'LIMIT', 0,
                                    200)) do
      more[#more + 1] = cid
    end
    local found = {}
    for _, cid in ipairs(more) do
      local cd = redis.call('HMGET', 'delivery:' .. cid, 'state', 'channel', 'page', 'to')
      local ok = cid ~= did and (cd[1] == 'queued' or cd[1] == 'retry' or cd[1] == 'sending')
                 and cd[2] == 'sms' and cd[4] == f[4]
      local cp = {}
      if ok then
        cp = redis.call('HMGET', 'page:' .. cd[3], 'state', 'case', 'incident', 'ack_code',
                        'brief', 'rank', 'created_at')
        ok = cp[1] and cp[5] and cp[1] ~= 'acknowledged' and cp[1] ~= 'declined'
             and cp[1] ~= 'cancelled' and cp[1] ~= 'failed' and cp[1] ~= 'duplicate'
      end
      if ok then
        found[#found + 1] = {cid = cid, page = cd[3], p = cp, rank = tonumber(cp[6] or '50') or 50,
                             at = tonumber(cp[7] or '0') or 0, n = #found}
      elseif cd[1] ~= 'queued' and cd[1] ~= 'retry' then
        redis.call('ZREM', q, cid)  -- sent, answered or gone: not waiting any more
      end
    end
    table.sort(found, function(a, b)
      if a.rank ~= b.rank then return a.rank < b.rank end
      if a.at ~= b.at then return a.at < b.at end
      return a.n < b.n
    end)
    for k = 1, math.min(#found, tonumber(ARGV[5] or '20')) do
      local c = found[k]
      local cinc, chh = incident_of(c.p[3], c.p[2])
      for _, v in ipairs({c.cid, c.page, c.p[4] or '', c.p[5], c.p[6] or '50', c.p[7] or '0',
                          cinc[4] or '', chh}) do
        cands[#cands + 1] = v
      end
    end
  end
  out[#out + 1] = tostring(#cands / 8)
  for _, v in ipairs(cands) do out[#out + 1] = v end
  return out
end
redis.call('ZREM', 'notify:queue', did)
return {'skip', did}
)lua")};
  return s;
}

const common::RedisScript& join() {
  static const common::RedisScript s{"#!lua\n" + with_helpers(R"lua(
local first = 'delivery:' .. ARGV[2]
local f = redis.call('HMGET', first, 'state', 'page', 'person')
if f[1] ~= 'sending' or not f[2] then return {} end
local joined, pages = {ARGV[2]}, {f[2]}
local tnow = tonumber(ARGV[6])
for i = 7, #ARGV do
  local cid = ARGV[i]
  local d = 'delivery:' .. cid
  local c = redis.call('HMGET', d, 'state', 'page', 'channel', 'person', 'dlr_type')
  -- Waiting, or in doubt: left sending by a crash, its lease over, no report.
  local in_doubt = c[1] == 'sending' and not c[5]
                   and tonumber(redis.call('ZSCORE', 'notify:queue', cid) or 'inf') <= tnow
  if (c[1] == 'queued' or c[1] == 'retry' or in_doubt) and c[3] == 'sms' and c[4] == f[3] then
    local p = 'page:' .. c[2]
    local ps = redis.call('HGET', p, 'state')
    if ps and ps ~= 'acknowledged' and ps ~= 'declined' and ps ~= 'cancelled'
       and ps ~= 'failed' and ps ~= 'duplicate' then
      if in_doubt then redis.call('HINCRBY', d, 'in_doubt_resends', 1) end
      redis.call('HINCRBY', d, 'attempts', 1)
      redis.call('HSET', d, 'state', 'sending', 'sending_since', ARGV[4], 'bundle', ARGV[1])
      redis.call('ZADD', 'notify:queue', ARGV[3], cid)
      redis.call('ZREM', 'notify:smsq:' .. f[3], cid)
      if ps == 'queued' then redis.call('HSET', p, 'state', 'sending') end
      joined[#joined + 1] = cid
      pages[#pages + 1] = c[2]
    end
  end
end
redis.call('HSET', first, 'bundle', ARGV[1])
local b = 'smsbundle:' .. ARGV[1]
redis.call('HSET', b, 'person', f[3] or '', 'deliveries', table.concat(joined, ','),
           'pages', table.concat(pages, ','), 'created_at', ARGV[4])
redis.call('PEXPIRE', b, ARGV[5])
return joined
)lua")};
  return s;
}

namespace {
// complete_one(did, outcome, now, retry due, gateway status, detail, reason):
// the outcome of one delivery's send; returns what was applied.
const char* kCompleteLua = R"lua(
local function complete_one(did, outcome, now_ms, due, status, detail, reason)
  local d = 'delivery:' .. did
  local f = redis.call('HMGET', d, 'state', 'page', 'channel', 'person', 'bundle')
  if f[1] ~= 'sending' then
    redis.call('ZREM', 'notify:queue', did)
    return f[1] or 'missing'
  end
  local p = 'page:' .. f[2]
  local pf = redis.call('HMGET', p, 'state', 'case')
  local now = tonumber(now_ms)
  if outcome == 'retry' and (pf[1] == 'acknowledged' or pf[1] == 'declined') then
    outcome = 'cancelled'
  end
  if outcome == 'accepted' then
    redis.call('HSET', d, 'state', 'accepted', 'accepted_at', now_ms, 'gateway_status', status)
    redis.call('ZREM', 'notify:queue', did)
    page_took_it(p, now_ms)
    local ev = {at = now, type = 'page_sent', page = f[2], channel = f[3], by = 'notify'}
    if f[5] then ev.bundle = f[5] end
    timeline(pf[2], ev)
  elseif outcome == 'retry' then
    redis.call('HSET', d, 'state', 'retry', 'last_error', detail, 'gateway_status', status)
    redis.call('ZADD', 'notify:queue', due, did)
    if f[3] == 'sms' and f[4] then redis.call('ZADD', 'notify:smsq:' .. f[4], due, did) end
  elseif outcome == 'cancelled' then
    redis.call('HSET', d, 'state', 'cancelled', 'cancelled_at', now_ms)
    redis.call('ZREM', 'notify:queue', did)
  else
    redis.call('HSET', d, 'state', 'failed', 'failed_at', now_ms, 'fail_reason', reason,
               'last_error', detail, 'gateway_status', status)
    redis.call('ZREM', 'notify:queue', did)
    redis.call('HINCRBY', p, 'rev', 1)
    redis.call('ZADD', 'notify:timers', now_ms, f[2])
    timeline(pf[2], {at = now, type = 'delivery_failed', page = f[2], channel = f[3],
                     reason = reason, detail = detail, by = 'notify'})
  end
  return outcome
end
)lua";
}  // namespace

// `allow-oom` (complete and complete_bundle): what a gateway did with a
// message is recorded even when Redis is at its memory limit (a few hash
// fields per send). Refusing it would leave the delivery `sending` and, after
// the lease, send the SMS a second time.
const common::RedisScript& complete() {
  static const common::RedisScript s{"#!lua flags=allow-oom\n" + with_helpers(kCompleteLua) + R"lua(
return complete_one(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7])
)lua"};
  return s;
}

const common::RedisScript& complete_bundle() {
  static const common::RedisScript s{"#!lua flags=allow-oom\n" + with_helpers(kCompleteLua) + R"lua(
local out = {}
for i = 7, #ARGV do
  out[#out + 1] = complete_one(ARGV[i], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6])
end
return out
)lua"};
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
