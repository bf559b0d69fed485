-- cases_timeline (lib): piket_case_timeline_append(case_id, event), one entry on a case's timeline
-- Appends `event` (a Lua table, stored as JSON) to case:{case_id}:timeline; a
-- case_id that is nil or '' (a page without a case: a rota notice, a capacity
-- page) appends nothing. Owner: piket-cases (the timeline is the case's
-- history, and its length the case's version). This is piket-cases' store
-- API for the other services: dispatch (paged, informed, escalated, repaged,
-- escalation_exhausted), inbound (acknowledged, declined, delivery_report),
-- notify (page_sent, channel_fallback, delivery_failed, page_undeliverable,
-- duplicate_suppressed) and ingest (incident_accepted, through
-- lib/cases_open.lua) append their events with it, in the same script as the
-- change the event records (atomicity: no change without its entry, no entry
-- without its change). piket-cases' own scripts append directly.
local function piket_case_timeline_append(case_id, event)
  if case_id and case_id ~= '' then
    redis.call('RPUSH', 'case:' .. case_id .. ':timeline', cjson.encode(event))
  end
end
-- piket_case_timeline_append_all(case_id, events): the entries of the list
-- `events`, in order, with one RPUSH (none when it is empty).
local function piket_case_timeline_append_all(case_id, events)
  if case_id and case_id ~= '' and #events > 0 then
    local encoded = {}
    for k, event in ipairs(events) do encoded[k] = cjson.encode(event) end
    redis.call('RPUSH', 'case:' .. case_id .. ':timeline', unpack(encoded))
  end
end
