-- notify_due_timer: the first of notify's timers that is due. ARGV[1] now (domain ms). Returns its page id, or nil
-- (services/notify/src/delivery_scripts.cpp)
--
local ids = redis.call('ZRANGEBYSCORE', 'notify:timers', '-inf', ARGV[1], 'LIMIT', 0, 1)
return ids[1]
