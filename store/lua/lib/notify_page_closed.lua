-- notify_page_closed (lib): what notify does when a page closes because it was
-- answered or stood down.
--   piket_notify_stop_deliveries(page_id, channels, now_ms) cancels the page's
--     deliveries still to come (scheduled, queued or retry; `channels` is the
--     page's comma-separated channel list) and takes them off notify:queue,
--     drops the page's timer from notify:timers and bumps its rev (a plan made
--     before is stale). Returns how many it cancelled, and whether the page's
--     push delivery had reached the app (accepted).
--   piket_notify_push_closed(person, page_id, case_id, state, cap) tells the
--     app on push:{person} (capped at about `cap` entries) that the page
--     closed: {type page_closed, page_id, case_id, state}.
-- Owner: piket-notify (delivery:*, notify:queue, notify:timers, push:*). This
-- is notify's store API: piket-inbound's answer script (inbound_page_answer)
-- calls it in the same script as the answer, so that no delivery goes out for
-- a page once it is answered (atomicity). The page's rev is paging's
-- (lib/paging_page_rev.lua, called in the same step).
--#include "lib/paging_page_rev.lua"
local function piket_notify_stop_deliveries(id, channels, now_ms)
  local n, pushed_app = 0, false
  for ch in string.gmatch(channels or '', '[^,]+') do
    local did = id .. ':' .. ch
    local d = 'delivery:' .. did
    local st = redis.call('HGET', d, 'state')
    if ch == 'push' and st == 'accepted' then pushed_app = true end
    if st == 'scheduled' or st == 'queued' or st == 'retry' then
      redis.call('HSET', d, 'state', 'cancelled', 'cancelled_at', now_ms)
      redis.call('ZREM', 'notify:queue', did)
      n = n + 1
    end
  end
  redis.call('ZREM', 'notify:timers', id)
  piket_page_rev_bump(id)
  return n, pushed_app
end
local function piket_notify_push_closed(person, id, case_id, closed_state, cap)
  redis.call('XADD', 'push:' .. person, 'MAXLEN', '~', cap, '*', 'type', 'page_closed',
             'page_id', id, 'case_id', case_id, 'state', closed_state)
end
