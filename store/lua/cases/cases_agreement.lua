-- cases_agreement: makes or settles an agreement on a case, all or nothing
-- (services/cases/src/case_store.cpp, RedisCaseStore::write_agreement)
-- The agreement's record in case:{id}:agreements (agreement id -> JSON, its text
-- included: it stays inside the case), its timeline entry (who and when, never the
-- text), the case fields the change sets (last_activity_at) and the case's new timers; a
-- referral done adds its wait to its region's record (lib/cases_referral_wait.lua).
-- KEYS: none (case:{id}, :timeline, :agreements, :timers, deadlines:due,
-- referral_waits:{region}).
-- ARGV (store::CaseAgreementArgs): 1 case, 2 version (timeline length when loaded),
-- 3 agreement id, 4 'new' or 'change', 5 the record (JSON), 6 timeline entry (JSON),
-- 7 the most agreements a case holds, 8 the referral waits' window (ms), 9 the most referral
-- waits a region keeps, 10 number of case fields N, 11.. N field/value pairs, then timer
-- member/due pairs.
-- Reply: 'missing' (no case), 'stale' (the timeline grew meanwhile), 'closed' (closed or
-- merged), 'exists' (a new agreement whose id is taken), 'unknown' (a change of an
-- agreement the case does not have), 'full' (the case holds the most agreements) or
-- 'done'. Only 'done' writes anything.
--#include "lib/cases_sync_timers.lua"
--#include "lib/cases_referral_wait.lua"
local c = 'case:' .. ARGV[1]
if redis.call('EXISTS', c) == 0 then return 'missing' end
if redis.call('LLEN', c .. ':timeline') ~= tonumber(ARGV[2]) then return 'stale' end
local state = redis.call('HGET', c, 'state')
if state == 'closed' or state == 'merged' then return 'closed' end
local agreements = c .. ':agreements'
local known = redis.call('HEXISTS', agreements, ARGV[3]) == 1
if ARGV[4] == 'new' then
  if known then return 'exists' end
  if redis.call('HLEN', agreements) >= tonumber(ARGV[7]) then return 'full' end
elseif not known then
  return 'unknown'
end
redis.call('HSET', agreements, ARGV[3], ARGV[5])
redis.call('RPUSH', c .. ':timeline', ARGV[6])
local n = tonumber(ARGV[10])
for i = 0, n - 1 do redis.call('HSET', c, ARGV[11 + 2 * i], ARGV[12 + 2 * i]) end
piket_sync_timers(c, '', ARGV, 11 + 2 * n)
if ARGV[4] == 'change' then
  piket_referral_wait(c, ARGV[1], ARGV[3], ARGV[5], tonumber(ARGV[8]), tonumber(ARGV[9]))
end
return 'done'
