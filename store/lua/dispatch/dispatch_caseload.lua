-- dispatch_caseload: a person's caseload for the rota's selection
-- (services/dispatch/src/redis_caseload.cpp)
--
-- ARGV: 1 person. Returns {open cases, of which in monitoring}: the members
-- of caseload:{person}, and how many of them are in cases:monitoring (kept by
-- piket-cases: store/lua/lib/cases_monitoring_refresh.lua): two
-- commands counted inside Redis, instead of reading every case's phase.
local k = 'caseload:' .. ARGV[1]
return {redis.call('SCARD', k), redis.call('SINTERCARD', 2, k, 'cases:monitoring')}
