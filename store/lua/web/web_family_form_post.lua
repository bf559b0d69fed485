-- web_family_form_post: a message from the family's contact form, stored in its case (issue 18)
-- Typed: piket/store/family_contact.hpp (FamilyMessageArgs and FamilyMessageReply, as
-- inbound_family_message.lua's); services/web/src/family_form_store.cpp.
-- KEYS: none (family:link:{hash}, family:link:{hash}:rate, case:{id} (read),
--   case:{id}:family_link (only to drop a dead link); case:{id}:family, its timeline entry and
--   family:due through inbound's store API, lib/family_message_add.lua; the router's wake-up
--   on outbox:escalation through paging's, lib/paging_family_route.lua).
-- ARGV: 1 hash (SHA-256 hex of the link's secret), 2 now (domain ms), 3 text, 4 urgent ('1'
--   or ''), 5 messages per link per window, 6 the window (ms), 7 messages kept per case,
--   8 via ('link'), 15 the router's wake-up due (transport ms); the other ARGV are the SMS
--   answer's (FamilyMessageArgs) and not read here: the form's answer is its web page
-- Reply (FamilyMessageReply, answer 'none'): {'unknown', 'none', ''} (no such link, revoked,
--   or its case closed: nothing stored) | {'limited', 'none', ''} (over the link's rate:
--   nothing stored) | {'stored', 'none', '', case id, message id (F{n}, '' when the case
--   holds its maximum already), 'family', '1' when the case's casemanager is assigned and
--   not absent now else '0'}
--
-- A link lives while its case is open: once the case is closed or joined into another, the
-- first use finds it dead and deletes it. The message is stored exactly as a family's SMS
-- (via 'link', from 'family': the form does not know who wrote it), so the family router
-- pages for it the same way, woken at once by 'family:{case}:{message}' on the escalation
-- outbox as for an SMS.
--#include "lib/family_message_add.lua"
local h, now = ARGV[1], tonumber(ARGV[2])
local lk = 'family:link:' .. h
local id = redis.call('HMGET', lk, 'case')[1]
if not id then return {'unknown', 'none', ''} end
if redis.call('HMGET', 'case:' .. id, 'state')[1] ~= 'open' then
  redis.call('DEL', lk)
  local ck = 'case:' .. id .. ':family_link'
  if redis.call('HMGET', ck, 'hash')[1] == h then redis.call('DEL', ck) end
  return {'unknown', 'none', ''}
end
local rate = lk .. ':rate'
local n = redis.call('HINCRBY', rate, 'n', 1)
if n == 1 then redis.call('PEXPIRE', rate, ARGV[6]) end
if n > tonumber(ARGV[5]) then return {'limited', 'none', ''} end
local mid, own = piket_family_message_add(id, 'family', now, ARGV[3], ARGV[4] == '1', ARGV[8],
                                          tonumber(ARGV[7]), '')
if mid ~= '' then
  piket_family_wake_message('family:' .. id .. ':' .. mid, {reason = 'family'}, ARGV[15])
end
return {'stored', 'none', '', id, mid, 'family', own}
