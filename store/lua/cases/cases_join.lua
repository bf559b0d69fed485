-- cases_join: joins the absorbed case into the survivor, all or nothing
-- (services/cases/src/case_family.cpp, CaseFamilies::join; piket-web runs it in-process)
-- Incidents, household keys, steps taken, progress, casemanager, home ban, timelines,
-- cases:monitoring, the clocks, agreements and tracks' records
-- (services/cases/include/piket/cases/case_family.hpp).
-- Moves the household keys (household:{partner}:{household}, piket-cases' own) and, through
-- the incident's store API (piket-ingest's, lib/ingest_incident_case.lua), the incidents'
-- case_id, in this same script for atomicity: the family moves as one, and an incident
-- accepted meanwhile joins one case or the other, never a half.
-- Agreements move to the survivor, once, numbered on after its own (merged_agreements on the
-- absorbed case says which became which); its tracks' records merge into the survivor's
-- (merge_tracks keeps what the survivor had), so that a split can undo both.
-- KEYS: none (case:{id} and its lists, :agreements, :tracks, incident:{id}, household:*,
-- cases:open, caseload:*, cases:monitoring, deadlines:due).
-- ARGV (store::CaseFamilyArgs): 1 survivor, 2 absorbed case, 3 now (domain ms), 4 by, 5 reason,
-- 6 survivor's version, 7 absorbed case's version (timeline lengths when checked).
-- Reply: {'stale'} (either case changed, is not open, or the regions differ: nothing
-- written) or {'done', household keys moved, {the incidents moved}}.
--#include "lib/cases_family.lua"
--#include "lib/cases_monitoring_refresh.lua"
--#include "lib/ingest_incident_case.lua"
local S, A, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local s, a = 'case:' .. S, 'case:' .. A
if not piket_family_versions_hold(s, a, ARGV[6], ARGV[7]) then return {'stale'} end
local sf = redis.call('HMGET', s, 'state', 'region', 'casemanager')
local af = redis.call('HMGET', a, 'state', 'region', 'casemanager')
if sf[1] ~= 'open' or af[1] ~= 'open' or sf[2] ~= af[2] then return {'stale'} end
-- The incidents, in acceptance order.
local moved = redis.call('LRANGE', a .. ':incidents', 0, -1)
local all = redis.call('LRANGE', s .. ':incidents', 0, -1)
for _, id in ipairs(moved) do all[#all + 1] = id end
local accepted = {}
for _, id in ipairs(all) do
  accepted[id] = tonumber(redis.call('HGET', 'incident:' .. id, 'accepted_at') or '') or 0
end
table.sort(all, function(x, y)
  if accepted[x] ~= accepted[y] then return accepted[x] < accepted[y] end
  return x < y
end)
redis.call('DEL', s .. ':incidents')
for _, id in ipairs(all) do redis.call('RPUSH', s .. ':incidents', id) end
for _, id in ipairs(moved) do piket_incident_moved(id, S) end
-- The family's household keys point to the survivor.
local keys = {}
for _, k in ipairs(piket_family_household_keys(A)) do
  if redis.call('GET', k) == A then
    redis.call('SET', k, S)
    keys[#keys + 1] = k
  end
end
-- Agreements move with the family (their steps taken under their new ids); the
-- tracks' records merge into the survivor's.
local agreements = piket_family_move_agreements(A, S, nil)
local tracks = {}
local records = redis.call('HGETALL', a .. ':tracks')
for i = 1, #records, 2 do
  local old = redis.call('HGET', s .. ':tracks', records[i])
  local new = old and piket_family_track_merge(old, records[i + 1]) or records[i + 1]
  if new ~= old then
    tracks[records[i]] = {old = old or false, new = new}
    redis.call('HSET', s .. ':tracks', records[i], new)
  end
end
-- Clocks: steps taken stay taken; the absorbed case's timers go.
piket_family_copy_fired(A, S, agreements)
piket_family_drop_timers(A)
redis.call('SREM', 'cases:open', A)
if af[3] and af[3] ~= '' then redis.call('SREM', 'caseload:' .. af[3], A) end
-- The survivor's progress: at least the absorbed case's. What changes is
-- remembered (old value, or false for none) so that a split can undo it.
local changed = {}
local function take(field, value)
  changed[field] = redis.call('HGET', s, field) or false
  redis.call('HSET', s, field, value)
end
local sp = redis.call('HMGET', s, 'phase', 'phase_at', 'last_activity_at')
local ap = redis.call('HMGET', a, 'phase', 'phase_at', 'last_activity_at')
if (PIKET_PHASE_RANK[ap[1]] or 0) > (PIKET_PHASE_RANK[sp[1]] or 0) then
  take('phase', ap[1])
  take('phase_at', ap[2] or ARGV[3])
end
for _, f in ipairs(PIKET_PROGRESS) do
  local v = redis.call('HGET', a, f)
  if v and not redis.call('HGET', s, f) then take(f, v) end
end
if ap[3] and (tonumber(ap[3]) or 0) > (tonumber(sp[3] or '') or 0) then
  take('last_activity_at', ap[3])
end
if (not sf[3] or sf[3] == '') and af[3] and af[3] ~= '' then
  take('casemanager', af[3])
  redis.call('SADD', 'caseload:' .. af[3], S)
end
piket_ban_rebuild(S)
local joined = redis.call('HGET', s, 'joined_cases')
if joined and joined ~= '' then joined = joined .. ' ' .. A else joined = A end
redis.call('HSET', s, 'joined_cases', joined)
redis.call('HSET', a, 'state', 'merged', 'merged_into', S, 'merged_at', ARGV[3], 'merged_by',
           ARGV[4], 'merged_households', table.concat(keys, ' '), 'merge_changed',
           cjson.encode(changed), 'merged_agreements', cjson.encode(agreements), 'merge_tracks',
           cjson.encode(tracks))
redis.call('RPUSH', s .. ':timeline', cjson.encode({at = now, type = 'case_joined', other = A,
  by = ARGV[4], reason = ARGV[5], incidents = moved, agreements = agreements}))
redis.call('RPUSH', a .. ':timeline', cjson.encode({at = now, type = 'case_merged', into = S,
  by = ARGV[4], reason = ARGV[5]}))
piket_monitoring_refresh(S)
piket_monitoring_refresh(A)
piket_deadline_resync(S, ARGV[3])
return {'done', #keys, moved}
