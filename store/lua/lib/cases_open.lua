-- cases_open (lib): the case an accepted incident joins or opens (ingest_accept.lua)
-- Functions: piket_case_of_household, piket_case_open, piket_case_add_incident.
-- Owner: piket-cases (case:{id}, its :incidents and :timeline,
-- household:{partner}:{household}, cases:open, returns:{region};
-- docs/data-model.md). Included by ingest's acceptance script, which opens or
-- joins the case in the same atomic step as it stores the incident.
--
-- piket_case_of_household(partner, household, accepted, link_ms, more) -> open, previous,
--   values: the household's latest case, followed through joins (merged_into, at
--   most 16 hops): `open` is its id when it is open (the incident joins it),
--   else nil; `previous` is a closed case's id when it closed at most link_ms
--   before `accepted` (domain ms; a returning family), else nil; `values` the
--   open case's fields named in the list `more` (optional), read with its state
--   in one HMGET. Reads only.
-- piket_case_open(c) -> false when case:{c.id} exists (nothing written; the
--   caller picks another id), else true once it wrote the new case: `c` is
--   {id, region, partner, household, opened_at (the string stored),
--   accepted (number, domain ms), previous (a closed case id or nil)}. A
--   returning family's case is linked to the earlier ones (previous_case,
--   previous_cases newest first ≤ 20, returned_after_ms, previous_casemanager;
--   next_case on the earlier case) and counted in returns:{region} when back
--   within a year (two years kept). Points the household at it, adds it to
--   cases:open.
-- piket_case_add_incident(case_id, incident_id, entry): appends the incident
--   to case:{id}:incidents and `entry` (a table, JSON-encoded) to its timeline
--   (lib/cases_timeline.lua).
--#include "lib/cases_timeline.lua"
local function piket_case_of_household(partner, household, accepted, link_ms, more)
  local case_id = redis.call('GET', 'household:' .. partner .. ':' .. household)
  if not case_id then return nil, nil end
  more = more or {}
  local function read(id)
    return redis.call('HMGET', 'case:' .. id, 'state', 'merged_into', 'closed_at', unpack(more))
  end
  local f = read(case_id)
  local hops = 0
  while f[1] == 'merged' and f[2] and hops < 16 do
    case_id = f[2]
    f = read(case_id)
    hops = hops + 1
  end
  if f[1] == 'open' then return case_id, nil, {unpack(f, 4)} end
  if f[1] == 'closed' and accepted - (tonumber(f[3] or '') or accepted) <= link_ms then
    return nil, case_id
  end
  return nil, nil
end
local function piket_case_open(c)
  local key = 'case:' .. c.id
  if redis.call('EXISTS', key) == 1 then return false end
  redis.call('HSET', key, 'region', c.region, 'partner', c.partner, 'household', c.household,
             'opened_at', c.opened_at, 'phase', 'registered', 'state', 'open')
  if c.previous then
    -- A returning family: linked to its earlier cases, offered first to the
    -- earlier casemanager (dispatch reads previous_casemanager).
    local p = redis.call('HMGET', 'case:' .. c.previous, 'casemanager', 'closed_at',
                         'previous_cases')
    local chain = c.previous
    if p[3] and p[3] ~= '' then
      local n = 1
      for other in string.gmatch(p[3], '%S+') do
        if n < 20 then chain = chain .. ' ' .. other end
        n = n + 1
      end
    end
    local gap = c.accepted - (tonumber(p[2] or '') or c.accepted)
    redis.call('HSET', key, 'previous_case', c.previous, 'previous_cases', chain,
               'returned_after_ms', string.format('%.0f', gap))
    -- The board counts families back within a year of closing (two years kept).
    local returns = 'returns:' .. c.region
    if gap <= 365 * 86400000 then redis.call('ZADD', returns, c.accepted, c.id) end
    redis.call('ZREMRANGEBYSCORE', returns, '-inf', c.accepted - 2 * 365 * 86400000)
    if p[1] and p[1] ~= '' then
      redis.call('HSET', key, 'previous_casemanager', p[1])
    end
    redis.call('HSET', 'case:' .. c.previous, 'next_case', c.id)
  end
  redis.call('SET', 'household:' .. c.partner .. ':' .. c.household, c.id)
  redis.call('SADD', 'cases:open', c.id)
  return true
end
local function piket_case_add_incident(case_id, incident_id, entry)
  redis.call('RPUSH', 'case:' .. case_id .. ':incidents', incident_id)
  piket_case_timeline_append(case_id, entry)
end
