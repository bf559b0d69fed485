-- cases_monitoring_refresh (lib): piket_monitoring_refresh(id), a case in or out of the set
-- cases:monitoring: in when the case is open and in phase handover or monitoring, out
-- otherwise. Owner: piket-cases, which keeps the set in the same scripts that change a case's
-- phase or state (record, join, split), so that a person's weighted caseload ([caseload]
-- monitoring_weight) is two commands, SCARD and SINTERCARD with caseload:{person}, instead of
-- a read of every case (dispatch's RedisCaseload, store/lua/dispatch/dispatch_caseload.lua).
-- Reads case:{id}; writes cases:monitoring.
local function piket_monitoring_refresh(id)
  local f = redis.call('HMGET', 'case:' .. id, 'state', 'phase')
  if f[1] == 'open' and (f[2] == 'handover' or f[2] == 'monitoring') then
    redis.call('SADD', 'cases:monitoring', id)
  else
    redis.call('SREM', 'cases:monitoring', id)
  end
end
