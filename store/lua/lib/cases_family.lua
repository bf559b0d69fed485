-- cases_family (lib): what the join and the split of cases share
-- (store/lua/cases/cases_join.lua, cases_split.lua; services/cases/src/case_family.cpp):
-- the phase order, the progress fields, the home ban rebuilt from a case's
-- incidents, the household keys of a case, the clocks' bookkeeping, and the
-- agreements and tracks' records that follow a join or a split (issue 16).
-- Owner: piket-cases. Reads and writes case:{id} (+ :ban, :incidents, :fired,
-- :timers, :timeline, :agreements, :tracks), incident:{id},
-- household:{partner}:{household} and deadlines:due.
--#include "lib/ban.lua"
--#include "lib/deadline_resync.lua"
local PIKET_PHASE_RANK = {registered = 0, first_contact = 1, intake = 2, plan_of_action = 3,
                          help = 4, handover = 5, monitoring = 6}
local PIKET_PROGRESS = {'first_contact_at', 'intake_at', 'plan_at', 'help_at', 'handover_at',
                        'monitoring_at', 'evaluation_at'}
-- A case's home ban rebuilt from its incidents (lenient: an extension without
-- a ban starts one), with its history (lib/ban.lua).
local function piket_ban_incident(id)
  local f = redis.call('HMGET', 'incident:' .. id, 'kind', 'ban_starts_at', 'ban_starts_off',
                       'ban_ends_at', 'ban_ends_off', 'reported_at', 'accepted_at')
  return {id = id, kind = f[1], starts = tonumber(f[2] or ''), starts_off = tonumber(f[3] or ''),
          ends = tonumber(f[4] or ''), ends_off = tonumber(f[5] or ''),
          reported = tonumber(f[6] or '') or 0, accepted = tonumber(f[7] or '') or 0}
end
local function piket_ban_rebuild(case_id)
  local c = 'case:' .. case_id
  redis.call('DEL', c .. ':ban')
  local b = nil
  for _, id in ipairs(redis.call('LRANGE', c .. ':incidents', 0, -1)) do
    local i = piket_ban_incident(id)
    local usable = i.kind == 'home_ban_lifted' or
                   ((i.kind == 'home_ban' or i.kind == 'home_ban_extended') and i.starts and i.ends)
    if usable then
      local nb = piket_ban_apply(b, i, false)
      if nb ~= b then
        b = nb
        redis.call('RPUSH', c .. ':ban', cjson.encode({at = i.accepted, incident = i.id,
          kind = i.kind, first_start = b.first, ['end'] = b.stop, state = b.state}))
      end
    end
  end
  piket_ban_put(c, b, nil, nil)
  return b
end
-- "a b c" -> {'a', 'b', 'c'}; nil -> {}.
local function piket_words(s)
  local out = {}
  if s then for w in string.gmatch(s, '%S+') do out[#out + 1] = w end end
  return out
end
-- The household keys that may point to a case: its own, and those the joins
-- into it moved.
local function piket_family_household_keys(id)
  local f = redis.call('HMGET', 'case:' .. id, 'partner', 'household', 'joined_cases')
  local keys = {}
  if f[1] and f[2] then keys[#keys + 1] = 'household:' .. f[1] .. ':' .. f[2] end
  for _, j in ipairs(piket_words(f[3])) do
    for _, k in ipairs(piket_words(redis.call('HGET', 'case:' .. j, 'merged_households'))) do
      keys[#keys + 1] = k
    end
  end
  return keys
end
-- The steps `from`'s clocks took count as `to`'s (keys "<case>|clock|step|anchor").
-- An agreement's steps (anchored at its id, which is the case's own) count only
-- for the agreements in `agreements` (id in `from` -> id in `to`), under their id there.
local function piket_family_copy_fired(from, to, agreements)
  local prefix = from .. '|'
  for _, k in ipairs(redis.call('SMEMBERS', 'case:' .. from .. ':fired')) do
    if string.sub(k, 1, #prefix) == prefix then
      local rest = string.sub(k, #prefix + 1)
      local step, id = string.match(rest, '^agreement|([^|]*)|(.*)$')
      if id then
        if agreements[id] then
          redis.call('SADD', 'case:' .. to .. ':fired',
                     to .. '|agreement|' .. step .. '|' .. agreements[id])
        end
      else
        redis.call('SADD', 'case:' .. to .. ':fired', to .. '|' .. rest)
      end
    end
  end
end
-- An agreement's number ("A12" -> 12; 0 for anything else).
local function piket_agreement_number(id)
  return tonumber(string.match(id, '^A([1-9]%d*)$') or '') or 0
end
-- Moves agreements (case:{id}:agreements, cases/cases_agreement.lua) from case
-- `from` to case `to`, each as it is now, once: those in `ids` (id in `from` ->
-- id in `to`), or with `ids` nil every one of `from`'s, numbered on after
-- `to`'s highest (an id is the case's own: A1, A2, …). Returns the ids moved.
local function piket_family_move_agreements(from, to, ids)
  local src, dst = 'case:' .. from .. ':agreements', 'case:' .. to .. ':agreements'
  if not ids then
    ids = {}
    local last = 0
    local theirs = redis.call('HGETALL', dst)
    for i = 1, #theirs, 2 do last = math.max(last, piket_agreement_number(theirs[i])) end
    local own = {}
    local mine = redis.call('HGETALL', src)
    for i = 1, #mine, 2 do own[#own + 1] = mine[i] end
    table.sort(own, function(x, y) return piket_agreement_number(x) < piket_agreement_number(y) end)
    for _, id in ipairs(own) do
      last = last + 1
      ids[id] = 'A' .. last
    end
  end
  local moved = {}
  for old, new in pairs(ids) do
    local record = redis.call('HGET', src, old)
    if record then
      local a = cjson.decode(record)
      a.id = new
      redis.call('HSET', dst, new, cjson.encode(a))
      redis.call('HDEL', src, old)
      moved[old] = new
    end
  end
  return moved
end
-- Two records of one track (case:{id}:tracks, cases/cases_track.lua) as one:
-- the earlier first contact and the earlier intake, each with who; "not
-- applicable" (the later one) unless the track was seen after it.
local function piket_family_track_merge(into, from)
  local t, f = cjson.decode(into), cjson.decode(from)
  for _, m in ipairs({'first_contact', 'intake'}) do
    local ta, fa = tonumber(t[m .. '_at'] or ''), tonumber(f[m .. '_at'] or '')
    if fa and (not ta or fa < ta) then
      t[m .. '_at'] = f[m .. '_at']
      t[m .. '_by'] = f[m .. '_by']
    end
  end
  if f.not_applicable and (not t.not_applicable or
      (tonumber(f.not_applicable_at or '') or 0) > (tonumber(t.not_applicable_at or '') or 0)) then
    t.not_applicable = f.not_applicable
    t.not_applicable_at = f.not_applicable_at
    t.not_applicable_by = f.not_applicable_by
  end
  if t.not_applicable then
    local na = tonumber(t.not_applicable_at or '') or 0
    if (tonumber(t.first_contact_at or '') or -1) > na or (tonumber(t.intake_at or '') or -1) > na then
      t.not_applicable, t.not_applicable_at, t.not_applicable_by = nil, nil, nil
    end
  end
  return cjson.encode(t)
end
-- The case's timers in deadlines:due go, its resync timer too.
local function piket_family_drop_timers(id)
  local c = 'case:' .. id
  local old = redis.call('GET', c .. ':timers')
  if old then
    for m in string.gmatch(old, '%S+') do redis.call('ZREM', 'deadlines:due', m) end
  end
  redis.call('DEL', c .. ':timers')
  redis.call('ZREM', 'deadlines:due', id .. '|resync')
end
-- Both cases (keys `s`, `a`) still have the versions (timeline lengths) the
-- caller checked.
local function piket_family_versions_hold(s, a, s_version, a_version)
  return redis.call('LLEN', s .. ':timeline') == tonumber(s_version) and
         redis.call('LLEN', a .. ':timeline') == tonumber(a_version)
end
