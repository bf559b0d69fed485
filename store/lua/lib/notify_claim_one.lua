-- notify_claim_one (lib): piket_notify_claim_one(did, tnow_s, lease_s, now_s, window_s,
-- max_cands_s, confirm_s, back_s, seen) claims one due delivery of notify:queue for its send, and
-- returns what the send needs — the rules of one claim, which notify_claim.lua applies to each delivery of
-- a batch in turn.
-- Owner: piket-notify.
--   did        the delivery id ({page}:{channel}), due in notify:queue
--   tnow_s     now (transport ms)
--   lease_s    lease until (transport ms): when the delivery is due again if its send
--              never ends; nil: a delivery claimed for its send is left where it is in
--              notify:queue and the caller puts it at the lease (notify_claim.lua, which
--              knows the lease once the batch is claimed: one write, not two)
--   now_s      now (domain ms)
--   window_s   the SMS bundle window (ms; '0': no bundling)
--   max_cands_s at most this many bundle candidates
--   confirm_s  (ms; '0' or absent: none) how long a send in doubt — `sending`, its lease
--              over, no delivery report — waits, after a claim first finds it so, before
--              it goes again: the time its worker has to record what the gateway did
--              (docs/paging.md, "In doubt"). A failover can keep every write out for
--              longer than a lease (a new primary refuses writes until a replica is
--              back, [redis] min_replicas); the worker that sent keeps recording until
--              it can, and this wait starts only once a claim could write, so the
--              worker's record — the store being writable again for both — lands first.
--   back_s     (transport ms; '0' or absent: none) when the store last came back for the
--              claiming worker: its first claim after a Redis error or a followed
--              failover (Notifier). The wait runs from the later of the first sighting
--              and this: a wait that began between two failovers would otherwise run
--              out while the second kept every write out — the worker that sent had no
--              chance to record, and the SMS went twice (the failover test, twice: a
--              primary killed every 8 s).
--   seen       (optional) the delivery's fields PIKET_NOTIFY_CLAIM_FIELDS as the caller
--              has just read them in the same script (nil: read here)
-- Returns {'skip', id} | {'resolved', id, channel, page}
--  | {'doubt', id, until}: in doubt, first seen now or still waiting for its worker's
--     record until `until` (transport ms); due again then
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
-- Writes delivery:{id} (state sending, attempts, sending_since, in_doubt_resends, doubt_seen; or
--   accepted by a delivery report, or cancelled), notify:queue and notify:urgent (the lease:
--   lib/notify_queue.lua), notify:smsq:{person}, notify:smslast:{person}; reads incident:{id},
--   case:{id} (household), smsbundle:{id}. Calls the owners' store API in the same script
--   for atomicity (the page's state follows its delivery's): paging's for the page's state
--   (sending, accepted: lib/paging_page_delivery.lua) and piket-cases' for the case
--   timeline (page_sent, when a delivery report resolves a send in doubt:
--   lib/cases_timeline.lua).
--#include "lib/cases_timeline.lua"
--#include "lib/paging_page_delivery.lua"
--#include "lib/notify_queue.lua"
--#include "lib/notify_privacy_body.lua"
local PIKET_NOTIFY_CLAIM_FIELDS = {'state', 'channel', 'page', 'to', 'dlr_type', 'person',
                                   'doubt_seen', 'bundle', 'attempts', 'in_doubt_resends'}
local function piket_notify_claim_one(did, tnow_s, lease_s, now_s, window_s, max_cands_s,
                                      confirm_s, back_s, seen)
  local d = 'delivery:' .. did
  local f = seen or redis.call('HMGET', d, unpack(PIKET_NOTIFY_CLAIM_FIELDS))
  local st, ch, page = f[1], f[2], f[3]
  if not st or not page then
    piket_notify_dequeue(did)
    return {'skip', did}
  end
  local p = 'page:' .. page
  local pf = redis.call('HMGET', p, 'state', 'case', 'incident', 'text', 'ack_code', 'reason',
                        'brief', 'rank', 'created_at', 'info')
  local now = tonumber(now_s)
  -- A delivery report proves the gateway had the SMS: after a crash mid-send
  -- ('sending', lease expired) or an unanswered request ('retry' after a timeout).
  if ch == 'sms' and (st == 'sending' or st == 'retry') and f[5] and f[5] ~= '2'
     and f[5] ~= '16' then
    redis.call('HSET', d, 'state', 'accepted', 'accepted_at', now_s, 'resolved_by',
               'delivery_report')
    piket_notify_dequeue(did)
    piket_page_accepted(page, now_s)
    piket_case_timeline_append(pf[2], {at = now, type = 'page_sent', page = page, channel = ch,
                                       resolved_by = 'delivery_report', by = 'notify'})
    return {'resolved', did, ch, page}
  end
  if st ~= 'queued' and st ~= 'retry' and st ~= 'sending' then
    piket_notify_dequeue(did)
    return {'skip', did}
  end
  if pf[1] == 'acknowledged' or pf[1] == 'declined' then
    redis.call('HSET', d, 'state', 'cancelled', 'cancelled_at', now_s)
    piket_notify_dequeue(did)
    return {'skip', did}
  end
  local tnow = tonumber(tnow_s)
  -- In doubt: the worker that sent may still record the outcome (above). The
  -- first claim to find it so marks it and waits; a later one sends it again.
  local confirm = tonumber(confirm_s or '0') or 0
  if st == 'sending' and confirm > 0 then
    local seen = tonumber(f[7] or '')
    if not seen then
      seen = tnow
      redis.call('HSET', d, 'doubt_seen', tnow_s)
    end
    local from = math.max(seen, tonumber(back_s or '0') or 0)
    if tnow < from + confirm then
      piket_notify_queue_at(did, from + confirm, pf[8])
      return {'doubt', did, tostring(from + confirm)}
    end
  end
  local window = tonumber(window_s or '0')
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
        piket_notify_queue_at(did, last + window, pf[8])
        redis.call('ZADD', q, last + window, did)
        return {'held', did, tostring(last + window)}
      end
      redis.call('SET', 'notify:smslast:' .. person, tnow_s, 'PX', 2 * window)
    end
  end
  -- The delivery's counters and state in one HSET (the fields read above, in
  -- the order they always had), and the fields a send clears only when set.
  local doubt = 'fresh'
  local old_bundle = f[8]
  local w = {}
  if st == 'sending' then
    w = {'in_doubt_resends', tostring((tonumber(f[10] or '') or 0) + 1)}
    doubt = 'in_doubt'
  end
  local n = (tonumber(f[9] or '') or 0) + 1
  w[#w + 1], w[#w + 2] = 'attempts', tostring(n)
  w[#w + 1], w[#w + 2] = 'state', 'sending'
  w[#w + 1], w[#w + 2] = 'sending_since', now_s
  redis.call('HSET', d, unpack(w))
  if old_bundle or f[7] then redis.call('HDEL', d, 'bundle', 'doubt_seen') end
  if lease_s then piket_notify_queue_at(did, lease_s, pf[8]) end
  piket_page_sending(page, pf[1])
  local function incident_of(incident_id, case_id, page_id)
    local inc = {}
    if incident_id and incident_id ~= '' then
      inc = redis.call('HMGET', 'incident:' .. incident_id, 'kind', 'region', 'reported_at',
                       'body')
    elseif case_id and case_id ~= '' then
      inc = {'', '', '', piket_notify_case_privacy_body(case_id, page_id)}
    end
    local household = ''
    if case_id and case_id ~= '' then
      household = redis.call('HGET', 'case:' .. case_id, 'household') or ''
    end
    return inc, household
  end
  local inc, household = incident_of(pf[3], pf[2], page)
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
        local sd = redis.call('HMGET', 'delivery:' .. sib, 'state', 'dlr_type', 'bundle',
                              'doubt_seen')
        local lease = tonumber(redis.call('ZSCORE', 'notify:queue', sib) or 'inf')
        -- (a member found in doubt waits no longer than this one: one record
        -- covered the whole bundle, so its worker has had the same time)
        if sib ~= did and sd[1] == 'sending' and not sd[2] and sd[3] == old_bundle
           and (lease <= tnow or sd[4]) then
          more[#more + 1] = sib
        end
      end
    end
    -- The most urgent of what waits (page rank, then age) — up to max_cands_s of
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
        found[#found + 1] = {cid = cid, page = cd[3], p = cp,
                             rank = tonumber(cp[6] or '50') or 50,
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
    for k = 1, math.min(#found, tonumber(max_cands_s or '20')) do
      local c = found[k]
      local cinc, chh = incident_of(c.p[3], c.p[2], c.page)
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
