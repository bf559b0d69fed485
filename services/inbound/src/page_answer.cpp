#include "piket/inbound/page_answer.hpp"

#include "piket/common/deadline_timers.hpp"
#include "piket/common/messaging.hpp"
#include "piket/common/page_script.hpp"
#include "piket/common/reply_code.hpp"

namespace piket::inbound {
namespace {

// ARGV: 1 person ('' for a number that is not staff's), 2 page id or '',
// 3 reply code, 4 acknowledge|decline, 5 via, 6 domain now ms, 7 outbox due ms
// (real time), 8 push stream cap, 9 via_ref, 10 max wrong codes, 11 lock ms,
// 12 sending number's guard key ('' none).
const common::RedisScript& script() {
  static const common::RedisScript s{common::reply_code_drop_lua() + R"lua(
local page = ARGV[2]
local now = tonumber(ARGV[6])
if page == '' then
  -- By reply code: the wrong-code guards of the person and of the number.
  local guards = {}
  if ARGV[1] ~= '' then guards[#guards + 1] = 'codeguard:person:' .. ARGV[1] end
  if ARGV[12] ~= '' then guards[#guards + 1] = 'codeguard:number:' .. ARGV[12] end
  for _, g in ipairs(guards) do
    local u = tonumber(redis.call('HGET', g, 'locked_until') or '0')
    if u > now then return {'locked', '', '', '0', '', tostring(u)} end
  end
  local found = false
  if ARGV[1] ~= '' then
    local key = 'ackcode:' .. ARGV[1] .. ':' .. ARGV[3]
    found = redis.call('GET', key)
    if found then
      -- Valid only while the page can be answered (the TTL is the backstop).
      local until_ms = tonumber(redis.call('HGET', 'page:' .. found, 'code_until') or '0')
      if until_ms > 0 and now > until_ms then
        redis.call('DEL', key)
        found = false
      end
    end
  end
  if not found then
    local max, lock = tonumber(ARGV[10]), tonumber(ARGV[11])
    local locked = 0
    for _, g in ipairs(guards) do
      local h = redis.call('HMGET', g, 'fails', 'since')
      local fails, since = tonumber(h[1] or '0'), tonumber(h[2] or '0')
      if since == 0 or now - since >= lock then fails, since = 0, now end
      fails = fails + 1
      if fails >= max then
        locked = now + lock
        redis.call('HSET', g, 'locked_until', locked, 'fails', 0, 'since', now)
      else
        redis.call('HSET', g, 'fails', fails, 'since', since)
      end
      -- Real-time backstop: the guard outlives its window and lock, no more.
      redis.call('PEXPIRE', g, 2 * lock)
    end
    redis.call('ZREMRANGEBYSCORE', 'codeguard:locked', '-inf', now)
    if locked > 0 then
      if ARGV[1] ~= '' then redis.call('ZADD', 'codeguard:locked', locked, ARGV[1]) end
      return {'locked_now', '', '', '0', '', tostring(locked)}
    end
    return {'unknown_code'}
  end
  page = found
end
local p = 'page:' .. page
local f = redis.call('HMGET', p, 'person', 'case', 'incident', 'acknowledged_at', 'declined_at',
                     'channels', 'cancelled_reason')
if not f[1] then return {'unknown_page', page} end
if f[1] ~= ARGV[1] then return {'not_yours', page} end
if f[4] then return {'already_acknowledged', page, f[2] or ''} end
-- The page stood down: a colleague took the incident. Nothing changes.
if f[7] == 'answered_by_other' then return {'taken_by_other', page, f[2] or ''} end
if f[5] then return {'already_declined', page, f[2] or ''} end
-- Answered now: its reply code answers nothing any more.
piket_drop_reply_code(page)
-- Cancels a page's deliveries still to come; returns how many, and whether
-- its push reached the app (which then hears that the page closed).
local function stop_deliveries(id, channels)
  local n, pushed_app = 0, false
  for ch in string.gmatch(channels or '', '[^,]+') do
    local did = id .. ':' .. ch
    local d = 'delivery:' .. did
    local st = redis.call('HGET', d, 'state')
    if ch == 'push' and st == 'accepted' then pushed_app = true end
    if st == 'scheduled' or st == 'queued' or st == 'retry' then
      redis.call('HSET', d, 'state', 'cancelled', 'cancelled_at', ARGV[6])
      redis.call('ZREM', 'notify:queue', did)
      n = n + 1
    end
  end
  redis.call('ZREM', 'notify:timers', id)
  redis.call('HINCRBY', 'page:' .. id, 'rev', 1)
  return n, pushed_app
end
local function push_closed(person, id, closed_state)
  redis.call('XADD', 'push:' .. person, 'MAXLEN', '~', ARGV[8], '*', 'type', 'page_closed',
             'page_id', id, 'case_id', f[2] or '', 'state', closed_state)
end
local cancelled, pushed = stop_deliveries(page, f[6])
local state = 'acknowledged'
local payload = ''
local stood_down = 0
if ARGV[4] == 'acknowledge' then
  redis.call('HSET', p, 'state', 'acknowledged', 'acknowledged_at', ARGV[6], 'acknowledged_via',
             ARGV[5], 'acknowledged_via_ref', ARGV[9])
  local inc = 'incident:' .. (f[3] or '')
  -- The incident is taken: the escalation's other open pages stand down (their
  -- channels still to come are cancelled; a board no longer shows them open).
  for _, other in ipairs(redis.call('SMEMBERS', inc .. ':pages')) do
    local op = 'page:' .. other
    local o = redis.call('HMGET', op, 'state', 'acknowledged_at', 'declined_at', 'channels',
                         'person')
    if other ~= page and o[1] and not o[2] and not o[3] and o[1] ~= 'cancelled'
       and o[1] ~= 'failed' then
      local _, pushed_other = stop_deliveries(other, o[4])
      redis.call('HSET', op, 'state', 'cancelled', 'cancelled_at', ARGV[6],
                 'cancelled_reason', 'answered_by_other')
      piket_drop_reply_code(other)
      stood_down = stood_down + 1
      if pushed_other and o[5] then push_closed(o[5], other, 'answered_by_other') end
    end
  end
  local st = redis.call('HGET', inc, 'status')
  if st == 'dispatched' or st == 'escalated' then
    redis.call('HSET', inc, 'status', 'acknowledged', 'acknowledged_at', ARGV[6],
               'acknowledged_by', ARGV[1], 'acknowledged_page', page)
  end
else
  state = 'declined'
  redis.call('HSET', p, 'state', 'declined', 'declined_at', ARGV[6], 'declined_via', ARGV[5],
             'declined_via_ref', ARGV[9])
  -- Escalation never pages this person for this incident again.
  if f[3] then redis.call('SADD', 'incident:' .. f[3] .. ':declined', ARGV[1]) end
  local mid = page .. ':declined'
  payload = cjson.encode({page_id = page, reason = 'declined', case_id = f[2],
                          person = ARGV[1]})
)lua" + common::outbox_add_lua("escalation", "mid", "payload", "ARGV[7]") +
                                     R"lua(
end
if f[2] then
  redis.call('RPUSH', 'case:' .. f[2] .. ':timeline', cjson.encode({at = now, type = state,
    page = page, incident = f[3], person = ARGV[1], via = ARGV[5], via_ref = ARGV[9],
    cancelled = cancelled,
    stood_down = stood_down, by = ARGV[1]}))
  -- The deadline engine looks at the case again now (its resync timer).
  local case_id = f[2]
)lua" + common::deadline_resync_lua("case_id", "ARGV[6]") +
                                     R"lua(
end
if pushed then push_closed(ARGV[1], page, state) end
if state == 'declined' then
  return {state, page, f[2] or '', tostring(cancelled), payload}
end
return {state, page, f[2] or '', tostring(cancelled)}
)lua"};
  return s;
}

PageAnswerOutcome::Kind kind_of(const std::string& s) {
  using K = PageAnswerOutcome::Kind;
  if (s == "acknowledged") return K::acknowledged;
  if (s == "declined") return K::declined;
  if (s == "already_acknowledged") return K::already_acknowledged;
  if (s == "already_declined") return K::already_declined;
  if (s == "taken_by_other") return K::taken_by_other;
  if (s == "unknown_code") return K::unknown_code;
  if (s == "locked" || s == "locked_now") return K::locked;
  if (s == "not_yours") return K::not_yours;
  return K::unknown_page;
}

}  // namespace

std::string_view to_string(Answer a) {
  return a == Answer::acknowledge ? "acknowledge" : "decline";
}

std::string_view to_string(AnswerVia v) {
  switch (v) {
    case AnswerVia::sms:
      return "sms";
    case AnswerVia::api:
      return "api";
    case AnswerVia::web:
      return "web";
  }
  return "sms";
}

PageAnswerOutcome answer_page(common::RedisConnection& redis, const PageAnswerRequest& req,
                              common::Instant domain_now, common::Instant outbox_due,
                              int push_stream_maxlen, const CodeGuard& guard) {
  const auto r = redis.eval(
      script(), {},
      {req.person, req.page_id, req.ack_code, std::string(to_string(req.answer)),
       std::string(to_string(req.via)), std::to_string(common::to_epoch_ms(domain_now)),
       std::to_string(common::to_epoch_ms(outbox_due)), std::to_string(push_stream_maxlen),
       req.via_ref, std::to_string(guard.max_failures), std::to_string(guard.lock.count()),
       req.number_key});
  PageAnswerOutcome out;
  const auto& e = r.elements;
  if (e.empty()) return out;
  out.kind = kind_of(e[0].str);
  if (e.size() > 1) out.page_id = e[1].str;
  if (e.size() > 2) out.case_id = e[2].str;
  if (e.size() > 3) out.cancelled = std::stoi(e[3].str);
  if (e.size() > 4) out.escalation_payload = e[4].str;
  if (e.size() > 5) {
    out.newly_locked = e[0].str == "locked_now";
    out.locked_until = common::from_epoch_ms(std::stoll(e[5].str));
  }
  return out;
}

std::vector<LockedNumber> locked_numbers(common::RedisConnection& redis,
                                         common::Instant domain_now) {
  const auto r =
      redis.command({"ZRANGEBYSCORE", "codeguard:locked",
                     "(" + std::to_string(common::to_epoch_ms(domain_now)), "+inf", "WITHSCORES"});
  std::vector<LockedNumber> out;
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2)
    out.push_back({r.elements[i].str, common::from_epoch_ms(std::stoll(r.elements[i + 1].str))});
  return out;
}

}  // namespace piket::inbound
