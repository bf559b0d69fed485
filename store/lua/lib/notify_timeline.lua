-- notify_timeline (lib): piket_notify_timeline(case_id, event) appends the
-- event (a Lua table, stored as JSON) to case:{case_id}:timeline when the page
-- has a case, and does nothing for a page without one. Owner of the timeline:
-- piket-cases; notify's scripts append their events (page_sent,
-- channel_fallback, delivery_failed, page_undeliverable,
-- duplicate_suppressed) in the same script as the change they record.
local function piket_notify_timeline(case_id, event)
  if case_id and case_id ~= '' then
    redis.call('RPUSH', 'case:' .. case_id .. ':timeline', cjson.encode(event))
  end
end
