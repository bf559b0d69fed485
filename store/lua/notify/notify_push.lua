-- notify_push: delivers one page to the person's push stream, which the web app reads (Notifier's send, channel push)
-- (services/notify/src/notifier.cpp; typed arguments: piket/store/delivery_scripts.hpp,
-- PushArgs)
--
-- KEYS: none. Writes the delivery's stream push:{person} (its `to`; XADD, capped), the
--   delivery:{id} (accepted, stream_id) and notify:queue; calls the owners' store API in
--   the same script for atomicity: paging's for the page (accepted:
--   lib/paging_page_delivery.lua) and piket-cases' for the case timeline (page_sent:
--   lib/cases_timeline.lua).
-- ARGV[1]  delivery id (must be `sending`)
-- ARGV[2]  now (domain ms)
-- ARGV[3]  the stream's cap (approximate MAXLEN)
-- ARGV[4..] the stream entry's field/value pairs
-- Returns {'accepted', stream entry id} | {state found} ('missing': no delivery)
--   | {'bad_stream'}: the delivery's address is not a push stream.
--#include "lib/cases_timeline.lua"
--#include "lib/paging_page_delivery.lua"
local did = ARGV[1]
local d = 'delivery:' .. did
local f = redis.call('HMGET', d, 'state', 'page', 'to')
if f[1] ~= 'sending' then return {f[1] or 'missing'} end
if string.sub(f[3] or '', 1, 5) ~= 'push:' then return {'bad_stream'} end
local entry = {}
for i = 4, #ARGV do entry[#entry + 1] = ARGV[i] end
local xid = redis.call('XADD', f[3], 'MAXLEN', '~', ARGV[3], '*', unpack(entry))
redis.call('HSET', d, 'state', 'accepted', 'accepted_at', ARGV[2], 'stream_id', xid)
redis.call('ZREM', 'notify:queue', did)
piket_page_accepted(f[2], ARGV[2])
piket_case_timeline_append(redis.call('HGET', 'page:' .. f[2], 'case'),
  {at = tonumber(ARGV[2]), type = 'page_sent', page = f[2], channel = 'push', by = 'notify'})
return {'accepted', xid}
