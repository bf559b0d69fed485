#!lua
-- notify_claim: a worker claims the first delivery due in notify:queue, leases it and hands over what its send needs (Notifier::step)
-- (services/notify/src/notifier.cpp; typed arguments and reply: piket/store/delivery_scripts.hpp,
-- ClaimArgs, parse_claim_reply)
--
-- `#!lua` (claim and join): at Redis's memory limit a delivery is not claimed
-- at all — refused up front, whatever the script writes first (a plain script
-- is refused only at its first memory-growing write, and may have written
-- before it) — and is sent once memory is free (docs/data-model.md, "Memory
-- limit").
--
-- KEYS: none. Writes delivery:{id} (state sending, attempts, sending_since,
--   in_doubt_resends; or accepted by a delivery report, or cancelled), notify:queue (the
--   lease), notify:smsq:{person}, notify:smslast:{person}; reads incident:{id}, case:{id}
--   (household), smsbundle:{id}. Calls the owners' store API in the same script for
--   atomicity (the page's state follows its delivery's): paging's for the page's state
--   (sending, accepted: lib/paging_page_delivery.lua) and piket-cases' for the case
--   timeline (page_sent, when a delivery report resolves a send in doubt:
--   lib/cases_timeline.lua).
-- ARGV[1]  now (transport ms)
-- ARGV[2]  lease until (transport ms): when the delivery is due again if its send never ends
-- ARGV[3]  now (domain ms)
-- ARGV[4]  the SMS bundle window (ms; '0': no bundling)
-- ARGV[5]  at most this many bundle candidates
-- Returns {'idle'} | {'skip', id} | {'resolved', id, channel, page}
--  | {'held', id, until}: an SMS went to the person less than a window ago;
--     the delivery waits until the window's end (transport ms)
--  | {'send', id, channel, page, to, text, ack_code, case, attempt, fresh|in_doubt,
--     kind, region, reported_at, incident body, household, person, reason,
--     brief, rank, created_at, info, N, then N candidates of 8 fields each:
--     delivery id, page, ack_code, brief, rank, created_at, incident body,
--     household} — the candidates are the person's other SMS deliveries due
--     within the window and, when the claimed delivery is an in-doubt member
--     of a bundle, that bundle's other members in doubt (not claimed:
--     notify_join claims the ones that go along).
--#include "lib/cases_timeline.lua"
--#include "lib/paging_page_delivery.lua"
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
  piket_page_accepted(page, ARGV[3])
  piket_case_timeline_append(pf[2], {at = now, type = 'page_sent', page = page, channel = ch,
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
  piket_page_sending(page)
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
