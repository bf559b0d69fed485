-- ban (lib): the home ban of a case, kept on the case hash (ban_* fields) and
-- its history list case:{id}:ban (docs/data-model.md "The home ban of a case";
-- what each function does is below). Owner: the case
-- record (piket-cases); included by ingest's acceptance script, which records
-- the ban of the case an incident joins in the same step (atomicity), and by
-- the join and split of cases.
--
-- The home ban of a case: one thing per case — its first start, its current
-- end, whether it is in force or lifted, and its history. ingest's
-- acceptance script applies each incident to it (refusing what breaks the
-- 28-day maximum, atomically with the incident), and the join and split of
-- cases (services/cases) rebuild it from the case's incidents. One Lua
-- definition serves both, so the rule is written once (docs/data-model.md,
-- "The home ban of a case").
--
-- Kept in the case hash `case:{id}`:
--   ban_first_start, ban_first_offset  the ban's first start (domain ms) and
--                                      the partner's UTC offset there (minutes)
--   ban_end, ban_end_offset            its current end, and that offset
--   ban_state                          in_force | lifted
--   ban_lifted_at                      when it was lifted (reported_at)
-- and its history in the list `case:{id}:ban` (JSON per change: at,
-- incident, kind, first_start, end, state).
--
-- The rule, per incident in acceptance order:
--   home_ban           a ban in force whose end lies after this ban's start
--                      is the same ban reported again: first start = the
--                      earlier, end = the later; otherwise a new ban starts.
--   home_ban_extended  extends the ban in force (end = the later of both);
--                      refused (`no_ban_in_force`, field `kind`) when there is
--                      no ban, it was lifted, or the extension starts after
--                      the ban's current end.
--   home_ban_lifted    ends the ban in force: state lifted, end = the lifting's
--                      reported_at when earlier. Without a ban: no change.
-- A ban may last at most 28 days from its FIRST start: a longer one is
-- refused (`ban_total_too_long`, field `home_ban.ends_at`) — 28 × 24 h, or up
-- to an hour more when its wall-clock length in the partner's offsets is
-- within 28 days (a ban across the end of daylight saving time; validation's
-- rule for a single incident).
--
-- This file defines, for a script that includes it:
--   piket_ban_get(case_key) -> ban table or nil
--   PIKET_BAN_FIELDS, piket_ban_of(values) -> ban table or nil: the ban from
--       the values of the case hash's fields PIKET_BAN_FIELDS, in order, as the
--       caller read them (with its other fields in one HMGET)
--   piket_ban_apply(ban, incident, strict) -> new ban (or the same table when
--       unchanged); with strict, nil, code, field when refused.
--       incident = {id, kind, starts, starts_off, ends, ends_off, reported}
--   piket_ban_put(case_key, ban, incident, at) — writes the fields and, when
--       `incident` is given, appends the history entry
-- (piket_ban_rebuild, which recomputes a case's ban and history from its
-- incidents, is in store/lua/lib/cases_family.lua: only the join and
-- split need it, and ingest's Redis user need not delete.)
local PIKET_BAN_MAX = 28 * 24 * 3600000
local PIKET_BAN_DST_SLACK = 3600000
local PIKET_BAN_FIELDS = {'ban_first_start', 'ban_first_offset', 'ban_end', 'ban_end_offset',
                          'ban_state', 'ban_lifted_at'}
local function piket_ban_of(f)
  if not f[1] or not f[3] then return nil end
  return {first = tonumber(f[1]), first_off = tonumber(f[2]) or 0, stop = tonumber(f[3]),
          stop_off = tonumber(f[4]) or 0, state = f[5] or 'in_force',
          lifted_at = f[6] and tonumber(f[6]) or nil}
end
local function piket_ban_get(c)
  return piket_ban_of(redis.call('HMGET', c, unpack(PIKET_BAN_FIELDS)))
end
local function piket_ban_length_ok(b)
  local absolute = b.stop - b.first
  if absolute <= PIKET_BAN_MAX then return true end
  local wall = (b.stop + b.stop_off * 60000) - (b.first + b.first_off * 60000)
  return wall <= PIKET_BAN_MAX and absolute <= PIKET_BAN_MAX + PIKET_BAN_DST_SLACK
end
local function piket_ban_copy(b)
  return {first = b.first, first_off = b.first_off, stop = b.stop, stop_off = b.stop_off,
          state = b.state, lifted_at = b.lifted_at}
end
local function piket_ban_new(i)
  return {first = i.starts, first_off = i.starts_off or 0, stop = i.ends,
          stop_off = i.ends_off or 0, state = 'in_force'}
end
local function piket_ban_apply(b, i, strict)
  local in_force = b ~= nil and b.state == 'in_force'
  if i.kind == 'home_ban' then
    if not (in_force and i.starts < b.stop) then return piket_ban_new(i) end
    local nb = piket_ban_copy(b)
    if i.starts < nb.first then nb.first, nb.first_off = i.starts, i.starts_off or 0 end
    if i.ends > nb.stop then nb.stop, nb.stop_off = i.ends, i.ends_off or 0 end
    if strict and not piket_ban_length_ok(nb) then
      return nil, 'ban_total_too_long', 'home_ban.ends_at'
    end
    return nb
  elseif i.kind == 'home_ban_extended' then
    if not (in_force and i.starts <= b.stop) then
      if strict then return nil, 'no_ban_in_force', 'kind' end
      return piket_ban_new(i)
    end
    local nb = piket_ban_copy(b)
    if i.ends > nb.stop then nb.stop, nb.stop_off = i.ends, i.ends_off or 0 end
    if strict and not piket_ban_length_ok(nb) then
      return nil, 'ban_total_too_long', 'home_ban.ends_at'
    end
    return nb
  elseif i.kind == 'home_ban_lifted' then
    if not in_force then return b end
    local nb = piket_ban_copy(b)
    nb.state = 'lifted'
    nb.lifted_at = i.reported
    if i.reported < nb.stop and i.reported > nb.first then nb.stop = i.reported end
    return nb
  end
  return b
end
local function piket_ban_put(c, b, i, at)
  if not b then
    redis.call('HDEL', c, 'ban_first_start', 'ban_first_offset', 'ban_end', 'ban_end_offset',
               'ban_state', 'ban_lifted_at')
    return
  end
  redis.call('HSET', c, 'ban_first_start', string.format('%.0f', b.first), 'ban_first_offset',
             tostring(b.first_off), 'ban_end', string.format('%.0f', b.stop), 'ban_end_offset',
             tostring(b.stop_off), 'ban_state', b.state)
  if b.lifted_at then
    redis.call('HSET', c, 'ban_lifted_at', string.format('%.0f', b.lifted_at))
  else
    redis.call('HDEL', c, 'ban_lifted_at')
  end
  if i then
    redis.call('RPUSH', c .. ':ban', cjson.encode({at = at, incident = i.id, kind = i.kind,
      first_start = b.first, ['end'] = b.stop, state = b.state}))
  end
end
