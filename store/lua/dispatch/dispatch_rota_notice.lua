-- dispatch_rota_notice: sends a rota notice once (RotaWatcher::send, services/dispatch)
-- Typed: piket/store/dispatch_scripts.hpp (RotaNoticeArgs, RotaNoticeReply).
-- KEYS: none (notice:{notice id}; through lib/paging_page_create.lua: page:{id}, and
--   outbox:notify:due/data: it calls notify's outbox API (lib/outbox_add.lua) in the same
--   script for atomicity — the page is created and announced together)
-- ARGV: 1 notice id (store::handoff_notice_id / gap_notice_id), 2 person,
--   3 page id, 4 phone, 5 text, 6 rule, 7 now ms (domain), 8 outbox due ms
--   (transport), 9 brief, 10 rank
-- Reply: {'created', page id, notify payload} | {'sent_before'} (the notice
--   key is set: sent once already) | {'ack_collision'} (the page id is taken:
--   pick another, run again)
--
-- Rota notices are information (paging/page_class.hpp): no reply code. The
-- notice key is set in the same script that creates the page, so each
-- notice is sent exactly once.
--#include "lib/paging_page_create.lua"
local key = 'notice:' .. ARGV[1]
if redis.call('EXISTS', key) == 1 then return {'sent_before'} end
if piket_page_taken(ARGV[2], '', ARGV[3]) then return {'ack_collision'} end
redis.call('SET', key, ARGV[3])
local payload = piket_create_page({id = ARGV[3], person = ARGV[2], ack_code = '',
  to = ARGV[4], text = ARGV[5], incident = '', case = '', rule = ARGV[6], now = ARGV[7],
  due = ARGV[8], code_ttl = '0', brief = ARGV[9], rank = ARGV[10]})
return {'created', ARGV[3], payload}
