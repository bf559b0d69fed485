-- notify_expand: a page's deliveries, one per contact rule of its person, when notify takes the page (Notifier::handle_message)
-- (services/notify/src/notifier.cpp; typed arguments: piket/store/delivery_scripts.hpp, ExpandArgs)
--
-- KEYS: none. Reads page:{id}; writes delivery:{id}:{channel}, pagekey:{case}:{step}:{person}:{channel}
--   (one delivery per case, step, person and channel: a second is `suppressed`) and
--   notify:timers; calls the owners' store API in the same script for atomicity: paging's
--   for the page (channels, expanded_at, rev, step: lib/paging_page_delivery.lua) and
--   piket-cases' for the case timeline (duplicate_suppressed: lib/cases_timeline.lua).
-- ARGV[1]  page id
-- ARGV[2]  now (domain ms)
-- ARGV[3]  number of rules, then per rule three: channel, after (ms), address
--          ('' for sms: the page's number)
-- Returns {'expanded', suppressed} | {'already', state} (expanded before)
--   | {'not_queued', state} | {'missing'} (no page, or one without case or person).
--#include "lib/cases_timeline.lua"
--#include "lib/paging_page_delivery.lua"
local id = ARGV[1]
local p = 'page:' .. id
local f = redis.call('HMGET', p, 'state', 'case', 'person', 'incident', 'rule', 'step', 'channels',
                    'to')
if not f[1] or not f[2] or not f[3] then return {'missing'} end
if f[7] then return {'already', f[1]} end
if f[1] ~= 'queued' then return {'not_queued', f[1]} end
local step = f[6] or ((f[4] or '') .. ':' .. (f[5] or ''))
local now = tonumber(ARGV[2])
local channels = {}
local suppressed = 0
for i = 0, tonumber(ARGV[3]) - 1 do
  local ch, after, to = ARGV[4 + i * 3], ARGV[5 + i * 3], ARGV[6 + i * 3]
  if ch == 'sms' and to == '' then to = f[8] or '' end
  local did = id .. ':' .. ch
  local d = 'delivery:' .. did
  local key = 'pagekey:' .. f[2] .. ':' .. step .. ':' .. f[3] .. ':' .. ch
  local owner = redis.call('GET', key)
  local st = 'scheduled'
  if owner and owner ~= did then
    st = 'suppressed'
    suppressed = suppressed + 1
    redis.call('HSET', d, 'duplicate_of', owner)
    piket_case_timeline_append(f[2], {at = now, type = 'duplicate_suppressed', page = id,
                                      channel = ch, duplicate_of = owner, by = 'notify'})
  else
    redis.call('SET', key, did)
  end
  redis.call('HSET', d, 'page', id, 'channel', ch, 'person', f[3], 'case', f[2], 'to', to,
             'order', i, 'after_ms', after, 'state', st, 'attempts', '0', 'created_at', ARGV[2])
  channels[#channels + 1] = ch
end
piket_page_expanded(id, table.concat(channels, ','), ARGV[2], step)
redis.call('ZADD', 'notify:timers', ARGV[2], id)
return {'expanded', tostring(suppressed)}
