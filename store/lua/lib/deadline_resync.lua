-- deadline_resync (lib): piket_deadline_resync(case_id, at_ms) adds (or moves
-- earlier: ZADD LT) the resync timer "<case>|resync" of a case in
-- deadlines:due, due at at_ms (domain ms), so the deadline engine evaluates
-- the case again (common/deadline_timers.hpp). Owner: piket-cases. Another
-- service's script includes it when it changes what a case's clocks depend on
-- and must tell the engine in the same atomic step.
local function piket_deadline_resync(case_id, at_ms)
  redis.call('ZADD', 'deadlines:due', 'LT', at_ms, case_id .. '|resync')
end
