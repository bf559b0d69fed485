-- ingest_incident_status (lib): the status of an incident as paging moves it
-- (accepted -> dispatched -> acknowledged | escalated; a re-page makes it
-- dispatched again) and the dispatch facts kept on it. Owner: piket-ingest
-- (incident:{id}, the incident as accepted and its status). This is the
-- incident's store API for paging: dispatch's commit and escalation scripts
-- (dispatch_incident.lua, dispatch_escalation_step.lua) and inbound's answer
-- script (inbound_page_answer.lua) call it in the same script as the page or
-- the answer that moves the status (atomicity). The escalation's own fields on
-- the incident (esc_*) are paging's and written by its scripts directly.
-- (What piket-cases changes on its incidents is in lib/ingest_incident_case.lua:
-- a separate file, so that each Redis user's scripts name only the commands it
-- may run — docs/secrets.md.)
--
--   piket_incident_dispatched(id, page, person, rule, at, before): the first page
--     went out: status dispatched, page_id, assignee, rule, dispatched_at.
--     `before` (optional, a list name, value, …): the caller's own fields on the
--     incident (paging's esc_*), written ahead of these in the same HSET.
--   piket_incident_past_cap(id): paged past the on-call layer because every
--     on-call casemanager was at their cap (past_cap = 1).
--   piket_incident_repaged(id): a re-page (no first contact): dispatched again.
--   piket_incident_escalated(id): an escalation step paged the next person:
--     dispatched -> escalated (any other status stays).
--   piket_incident_acknowledged(id, at, person, page): a page was acknowledged:
--     dispatched or escalated -> acknowledged, with acknowledged_at,
--     acknowledged_by and acknowledged_page (any other status stays).
local function piket_incident_dispatched(id, page, person, rule, at, before)
  local w = before or {}
  for _, v in ipairs({'status', 'dispatched', 'page_id', page, 'assignee', person, 'rule', rule,
                      'dispatched_at', at}) do
    w[#w + 1] = v
  end
  redis.call('HSET', 'incident:' .. id, unpack(w))
end
local function piket_incident_past_cap(id)
  redis.call('HSET', 'incident:' .. id, 'past_cap', '1')
end
local function piket_incident_repaged(id)
  redis.call('HSET', 'incident:' .. id, 'status', 'dispatched')
end
local function piket_incident_escalated(id)
  local inc = 'incident:' .. id
  if redis.call('HGET', inc, 'status') == 'dispatched' then
    redis.call('HSET', inc, 'status', 'escalated')
  end
end
local function piket_incident_acknowledged(id, at, person, page)
  local inc = 'incident:' .. id
  local st = redis.call('HGET', inc, 'status')
  if st == 'dispatched' or st == 'escalated' then
    redis.call('HSET', inc, 'status', 'acknowledged', 'acknowledged_at', at, 'acknowledged_by',
               person, 'acknowledged_page', page)
  end
end
