-- cases_sync_timers (lib): piket_sync_timers(c, popped, args, first), a case's timers afresh
-- Replaces the timers of the case whose key is `c` (case:{id}) in deadlines:due: the
-- members listed in c:timers go, and `popped` (the timer that woke the
-- engine, '' none) too; then args[first], args[first + 1], … (member, due
-- domain ms pairs: a script passes ARGV) are added and listed in c:timers
-- (deleted when there are none). Owner: piket-cases (the deadline engine's
-- timers, common/deadline_timers.hpp).
local function piket_sync_timers(c, popped, args, first)
  local old = redis.call('GET', c .. ':timers')
  if old and old ~= '' then
    for m in string.gmatch(old, '%S+') do redis.call('ZREM', 'deadlines:due', m) end
  end
  if popped ~= '' then redis.call('ZREM', 'deadlines:due', popped) end
  local list = {}
  for i = first, #args, 2 do
    redis.call('ZADD', 'deadlines:due', args[i + 1], args[i])
    list[#list + 1] = args[i]
  end
  if #list == 0 then
    redis.call('DEL', c .. ':timers')
  else
    redis.call('SET', c .. ':timers', table.concat(list, ' '))
  end
end
