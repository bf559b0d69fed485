-- cases_monitoring_refresh_all: brings cases:monitoring in line with the cases, at start-up
-- (services/cases/src/case_store.cpp, RedisCaseStore::refresh_monitoring_set)
-- Every open case's state and phase decides; what is no longer open leaves the set — for data
-- written before the set existed.
-- KEYS: none (cases:monitoring, cases:open, case:{id}).
-- ARGV: none.
-- Reply: how many cases cases:monitoring holds afterwards.
--#include "lib/cases_monitoring_refresh.lua"
for _, id in ipairs(redis.call('SMEMBERS', 'cases:monitoring')) do piket_monitoring_refresh(id) end
for _, id in ipairs(redis.call('SMEMBERS', 'cases:open')) do piket_monitoring_refresh(id) end
return redis.call('SCARD', 'cases:monitoring')
