-- paging_page_delivery (lib): a page's delivery progress, as notify records it on the page
-- Owner: paging (page:{id}, ackcode:*). This is paging's store API for
-- notify's scripts, which record on the page what its deliveries did in the
-- same script as the deliveries themselves (atomicity: the page's state never
-- disagrees with its deliveries). The answer (acknowledged, declined) and the
-- standing down of a page are paging's own (inbound_page_answer.lua).
--
--   piket_page_expanded(page_id, channels, at, step): notify took the page:
--     its channel list (comma-separated, in order), expanded_at, rev 1 and
--     its dedup step.
--   piket_page_sending(page_id, state): a delivery of it is being sent: queued ->
--     sending (any other state stays). `state`: the page's state as the caller
--     has just read it in the same script (nil: read here).
--   piket_page_accepted(page_id, at, seen): a gateway took one of its deliveries:
--     queued or sending -> accepted (an answered page keeps its state);
--     accepted_at the first time only. `seen`: {state, accepted_at} as the
--     caller has just read them in the same script (nil: read here); one HSET then.
--   piket_page_failed(page_id, at): every channel failed: state failed,
--     failed_at; its reply code answers nothing any more.
--   piket_page_duplicate(page_id): every channel was suppressed (another
--     page holds the same step): state duplicate; its reply code goes.
--   piket_page_rev_bump(page_id): lib/paging_page_rev.lua.
--#include "lib/paging_page_rev.lua"
--#include "lib/paging_reply_code.lua"
local function piket_page_expanded(page_id, channels, at, step)
  redis.call('HSET', 'page:' .. page_id, 'channels', channels, 'expanded_at', at, 'rev', '1',
             'step', step)
end
local function piket_page_sending(page_id, state)
  local p = 'page:' .. page_id
  if state == nil then state = redis.call('HGET', p, 'state') end
  if state == 'queued' then redis.call('HSET', p, 'state', 'sending') end
end
local function piket_page_accepted(page_id, at, seen)
  local p = 'page:' .. page_id
  if seen then
    local w = {}
    if seen[1] == 'queued' or seen[1] == 'sending' then w = {'state', 'accepted'} end
    if not seen[2] then w[#w + 1], w[#w + 2] = 'accepted_at', at end
    if #w > 0 then redis.call('HSET', p, unpack(w)) end
    return
  end
  local st = redis.call('HGET', p, 'state')
  if st == 'queued' or st == 'sending' then
    redis.call('HSET', p, 'state', 'accepted')
  end
  redis.call('HSETNX', p, 'accepted_at', at)
end
local function piket_page_failed(page_id, at)
  redis.call('HSET', 'page:' .. page_id, 'state', 'failed', 'failed_at', at)
  piket_drop_reply_code(page_id)
end
local function piket_page_duplicate(page_id)
  redis.call('HSET', 'page:' .. page_id, 'state', 'duplicate')
  piket_drop_reply_code(page_id)
end
