-- cases_split: undoes a join of two cases, all or nothing
-- (services/cases/src/case_family.cpp, CaseFamilies::split; piket-web runs it in-process)
-- The absorbed case opens again with its own incidents (and those of its households accepted
-- since the join), household keys and casemanager; the survivor's fields the join changed go
-- back (unless changed since); home bans, timelines, cases:monitoring and clocks follow.
-- The agreements the join moved go back under their own ids, as they are now, once; the
-- survivor's tracks' records the join changed go back (unless recorded on since).
-- Moves the household keys (household:{partner}:{household}, piket-cases' own) and, through
-- the incident's store API (piket-ingest's, lib/ingest_incident_case.lua), the incidents'
-- case_id, in this same script for atomicity: the family moves as one.
-- KEYS: none (as cases_join.lua).
-- ARGV (store::CaseFamilyArgs): 1 survivor, 2 the case to split off, 3 now (domain ms), 4 by,
-- 5 reason, 6 survivor's version, 7 the other case's version.
-- Reply: {'stale'} (either case changed, or the other is not joined into the survivor:
-- nothing written) or {'done', household keys moved back, {the incidents moved back}}.
--#include "lib/cases_family.lua"
--#include "lib/cases_monitoring_refresh.lua"
--#include "lib/ingest_incident_case.lua"
local S, A, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local s, a = 'case:' .. S, 'case:' .. A
if not piket_family_versions_hold(s, a, ARGV[6], ARGV[7]) then return {'stale'} end
local af = redis.call('HMGET', a, 'state', 'merged_into', 'merged_at', 'merged_households',
                      'merge_changed', 'casemanager', 'merged_agreements', 'merge_tracks')
if af[1] ~= 'merged' or af[2] ~= S or redis.call('HGET', s, 'state') ~= 'open' then
  return {'stale'}
end
local merged_at = tonumber(af[3] or '') or 0
local keys = piket_words(af[4])
local moved_key = {}
for _, k in ipairs(keys) do moved_key[k] = true end
-- Back: the absorbed case's own incidents, and those accepted since the join
-- under one of the household keys the join moved.
local own = {}
for _, id in ipairs(redis.call('LRANGE', a .. ':incidents', 0, -1)) do own[id] = true end
local back, stay, since = {}, {}, {}
for _, id in ipairs(redis.call('LRANGE', s .. ':incidents', 0, -1)) do
  if own[id] then
    back[#back + 1] = id
  else
    local f = redis.call('HMGET', 'incident:' .. id, 'partner', 'household', 'accepted_at')
    if f[1] and f[2] and moved_key['household:' .. f[1] .. ':' .. f[2]] and
       (tonumber(f[3] or '') or 0) >= merged_at then
      back[#back + 1] = id
      since[#since + 1] = id
    else
      stay[#stay + 1] = id
    end
  end
end
redis.call('DEL', s .. ':incidents')
for _, id in ipairs(stay) do redis.call('RPUSH', s .. ':incidents', id) end
for _, id in ipairs(since) do redis.call('RPUSH', a .. ':incidents', id) end
for _, id in ipairs(back) do piket_incident_moved(id, A) end
local restored = 0
for _, k in ipairs(keys) do
  if redis.call('GET', k) == S then
    redis.call('SET', k, A)
    restored = restored + 1
  end
end
-- The agreements that came with the join go back (id on the survivor -> own id).
local agreements = {}
for own, given in pairs(cjson.decode(af[7] or '{}')) do agreements[given] = own end
agreements = piket_family_move_agreements(S, A, agreements)
for track, m in pairs(cjson.decode(af[8] or '{}')) do
  if redis.call('HGET', s .. ':tracks', track) == m.new then
    if m.old then
      redis.call('HSET', s .. ':tracks', track, m.old)
    else
      redis.call('HDEL', s .. ':tracks', track)
    end
  end
end
-- Steps the survivor's clocks took (for the incidents and agreements going back, too) stay taken.
piket_family_copy_fired(S, A, agreements)
-- The survivor's fields the join changed go back, unless changed since.
local changed = cjson.decode(af[5] or '{}')
for field, old in pairs(changed) do
  local given = redis.call('HGET', a, field)
  if redis.call('HGET', s, field) == given then
    if field == 'casemanager' and given then redis.call('SREM', 'caseload:' .. given, S) end
    if old == false then
      redis.call('HDEL', s, field)
    else
      redis.call('HSET', s, field, old)
      if field == 'casemanager' and old ~= '' then redis.call('SADD', 'caseload:' .. old, S) end
    end
  end
end
-- The absorbed case is open again; the activity on the joined case counts for it.
local la = tonumber(redis.call('HGET', a, 'last_activity_at') or '') or 0
local ls = redis.call('HGET', s, 'last_activity_at')
if ls and (tonumber(ls) or 0) > la then redis.call('HSET', a, 'last_activity_at', ls) end
redis.call('HSET', a, 'state', 'open')
redis.call('HDEL', a, 'merged_into', 'merged_at', 'merged_by', 'merged_households',
           'merge_changed', 'merged_agreements', 'merge_tracks')
redis.call('SADD', 'cases:open', A)
if af[6] and af[6] ~= '' then redis.call('SADD', 'caseload:' .. af[6], A) end
local rest = {}
for _, j in ipairs(piket_words(redis.call('HGET', s, 'joined_cases'))) do
  if j ~= A then rest[#rest + 1] = j end
end
if #rest == 0 then
  redis.call('HDEL', s, 'joined_cases')
else
  redis.call('HSET', s, 'joined_cases', table.concat(rest, ' '))
end
piket_ban_rebuild(S)
piket_ban_rebuild(A)
redis.call('RPUSH', s .. ':timeline', cjson.encode({at = now, type = 'case_split', other = A,
  by = ARGV[4], reason = ARGV[5], incidents = back, agreements = agreements}))
redis.call('RPUSH', a .. ':timeline', cjson.encode({at = now, type = 'case_split', other = S,
  by = ARGV[4], reason = ARGV[5], incidents = back}))
piket_monitoring_refresh(S)
piket_monitoring_refresh(A)
piket_deadline_resync(S, ARGV[3])
piket_deadline_resync(A, ARGV[3])
return {'done', restored, back}
