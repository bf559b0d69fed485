-- notify_page_accepted (lib): piket_notify_page_accepted(page_key, now_ms)
-- records on the page hash (page:{id}) that a gateway took one of its
-- deliveries: state queued or sending -> accepted (an answered page keeps its
-- state), accepted_at set the first time only. Owner: piket-notify (the
-- delivery fields of the page).
local function piket_notify_page_accepted(p, now)
  local st = redis.call('HGET', p, 'state')
  if st == 'queued' or st == 'sending' then
    redis.call('HSET', p, 'state', 'accepted')
  end
  redis.call('HSETNX', p, 'accepted_at', now)
end
