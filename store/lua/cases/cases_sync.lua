-- cases_sync: stores a case's timers afresh
-- (services/cases/src/case_store.cpp, RedisCaseStore::sync and write_many)
-- KEYS: none (case:{id}, case:{id}:timeline, case:{id}:timers, deadlines:due).
-- ARGV: 1 case id, 2 version (timeline length when loaded), 3 popped timer ('' none),
-- 4.. member/due pairs (domain ms) (store::CaseSyncArgs).
-- Reply: 'missing' (no case: `popped` is dropped), 'stale' (the timeline grew meanwhile:
-- nothing written) or 'done'.
--#include "lib/cases_sync_timers.lua"
local c = 'case:' .. ARGV[1]
if redis.call('EXISTS', c) == 0 then
  if ARGV[3] ~= '' then redis.call('ZREM', 'deadlines:due', ARGV[3]) end
  return 'missing'
end
if redis.call('LLEN', c .. ':timeline') ~= tonumber(ARGV[2]) then return 'stale' end
piket_sync_timers(c, ARGV[3], ARGV, 4)
return 'done'
