-- cases_load_case (lib): piket_load_case(id), a case's state as the engine reads it
-- For the deadline engine and the case API (services/cases/src/case_store.cpp
-- parses it: store::parse_loaded_case). Owner: piket-cases. Reads case:{id},
-- case:{id}:incidents, incident:{id}, case:{id}:reminders, page:{id},
-- person:{id}:absence, case:{id}:timeline (its length is the case's version)
-- and case:{id}:fired.
-- Returns {'missing'} for no case, else {'ok', version, the case hash as a
-- flat list, per incident: id, kind, accepted_at, status, ban_ends_at,
-- ban_starts_at, contact_at, plan_at ('' for a missing field),
-- the action keys taken, the casemanager's absence {person, since, until or
-- ''} or {}, per watched reminder: step key, page, person, '1'/'0'
-- acknowledged, the agreements as a flat list of id, JSON record
-- (case:{id}:agreements, cases/cases_agreement.lua), the person roles of the
-- incidents' stored bodies, each once (roles only: no other field of a person
-- leaves Redis), the tracks as a flat list of track, JSON record
-- (case:{id}:tracks, cases/cases_track.lua)}.
-- The roles ('perpetrator', 'victim', 'child', 'other') of an incident's
-- persons, added to `seen` (role -> true): from incident:{id} roles, which
-- ingest writes when it accepts the incident; only an incident stored before
-- that field existed has its body fetched and decoded.
local function piket_incident_roles(inc, roles, seen)
  if roles then
    for r in string.gmatch(roles, '[^,]+') do seen[r] = true end
    return
  end
  local body = redis.call('HGET', 'incident:' .. inc, 'body')
  if not body or not string.find(body, '"persons"', 1, true) then return end
  local ok, doc = pcall(cjson.decode, body)
  if not ok or type(doc) ~= 'table' or type(doc.persons) ~= 'table' then return end
  for _, p in ipairs(doc.persons) do
    if type(p) == 'table' and type(p.role) == 'string' then seen[p.role] = true end
  end
end

local function piket_load_case(id)
  local c = 'case:' .. id
  local h = redis.call('HGETALL', c)
  if #h == 0 then return {'missing'} end
  local incs = {}
  local seen_roles = {}
  for _, inc in ipairs(redis.call('LRANGE', c .. ':incidents', 0, -1)) do
    local f = redis.call('HMGET', 'incident:' .. inc, 'kind', 'accepted_at', 'status',
                         'ban_ends_at', 'ban_starts_at', 'contact_at', 'plan_at', 'roles')
    incs[#incs + 1] = inc
    for i = 1, 7 do incs[#incs + 1] = f[i] or '' end
    piket_incident_roles(inc, f[8], seen_roles)
  end
  local roles = {}
  for _, r in ipairs({'perpetrator', 'victim', 'child', 'other'}) do
    if seen_roles[r] then roles[#roles + 1] = r end
  end
  -- The reminder pages the engine watches: step key, page, person, acknowledged.
  local reminders = {}
  local w = redis.call('HGETALL', c .. ':reminders')
  for i = 1, #w, 2 do
    local page, person = string.match(w[i + 1], '^(%S*) (%S*)$')
    local acked = '0'
    if page and page ~= '' and redis.call('HGET', 'page:' .. page, 'acknowledged_at') then
      acked = '1'
    end
    reminders[#reminders + 1] = w[i]
    reminders[#reminders + 1] = page or ''
    reminders[#reminders + 1] = person or ''
    reminders[#reminders + 1] = acked
  end
  local absence = {}
  local cm = redis.call('HGET', c, 'casemanager')
  if cm and cm ~= '' then
    local a = redis.call('HMGET', 'person:' .. cm .. ':absence', 'since', 'until')
    if a[1] then absence = {cm, a[1], a[2] or ''} end
  end
  return {'ok', redis.call('LLEN', c .. ':timeline'), h, incs,
          redis.call('SMEMBERS', c .. ':fired'), absence, reminders,
          redis.call('HGETALL', c .. ':agreements'), roles,
          redis.call('HGETALL', c .. ':tracks')}
end
