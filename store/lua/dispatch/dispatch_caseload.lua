-- dispatch_caseload: a person's caseload and absence for the rota's selection
-- (services/dispatch/src/redis_caseload.cpp)
--
-- ARGV: 1 person. Returns {open cases, of which in monitoring, absent since,
-- absent until}: the members of caseload:{person}, how many of them are in
-- cases:monitoring (kept by piket-cases: store/lua/lib/cases_monitoring_refresh.lua)
-- — two commands counted inside Redis, instead of reading every case's phase —
-- and the person's recorded absence (person:{id}:absence, written by
-- cases_absence.lua; domain ms, nil when not recorded or open-ended). Whether
-- that is now is the caller's: the selection's time.
local k = 'caseload:' .. ARGV[1]
local absence = redis.call('HMGET', 'person:' .. ARGV[1] .. ':absence', 'since', 'until')
return {redis.call('SCARD', k), redis.call('SINTERCARD', 2, k, 'cases:monitoring'), absence[1],
        absence[2]}
