-- cases_track: records a first contact, an intake or "not applicable" on one of a
-- case's tracks, all or nothing (services/cases/src/case_store.cpp,
-- RedisCaseStore::write_track; the rules are track.hpp's)
-- The track's record in case:{id}:tracks (track -> JSON: who and when, a reason from
-- a fixed list; no name or free text), its timeline entry, the case fields the change
-- sets (last_activity_at) and the case's new timers.
-- KEYS: none (case:{id}, :timeline, :tracks, :timers, deadlines:due).
-- ARGV (store::CaseTrackArgs): 1 case, 2 version (timeline length when loaded),
-- 3 track, 4 the record (JSON), 5 timeline entry (JSON), 6 number of case fields N,
-- 7.. N field/value pairs, then timer member/due pairs.
-- Reply: 'missing' (no case), 'stale' (the timeline grew meanwhile), 'closed' (closed
-- or merged), 'unknown' (not one of the four tracks) or 'done'. Only 'done' writes.
--#include "lib/cases_sync_timers.lua"
local c = 'case:' .. ARGV[1]
if redis.call('EXISTS', c) == 0 then return 'missing' end
if redis.call('LLEN', c .. ':timeline') ~= tonumber(ARGV[2]) then return 'stale' end
local state = redis.call('HGET', c, 'state')
if state == 'closed' or state == 'merged' then return 'closed' end
local track = ARGV[3]
if track ~= 'perpetrator' and track ~= 'victim' and track ~= 'children' and track ~= 'other' then
  return 'unknown'
end
redis.call('HSET', c .. ':tracks', track, ARGV[4])
redis.call('RPUSH', c .. ':timeline', ARGV[5])
local n = tonumber(ARGV[6])
for i = 0, n - 1 do redis.call('HSET', c, ARGV[7 + 2 * i], ARGV[8 + 2 * i]) end
piket_sync_timers(c, '', ARGV, 7 + 2 * n)
return 'done'
