#!lua
-- inbound_family_message: stores an SMS from a family in its open cases and answers it (issue 18)
-- Typed: piket/store/family_contact.hpp (FamilyMessageArgs, FamilyMessageReply).
-- KEYS: none (family:phone:{h}, family:rate:{h}, family:seen:{d}, family:replies:{h},
--   family:replies:unrouted, case:{id} (read), person:{id}:absence (read), case:{id}:family;
--   case:{id}:timeline through piket-cases' store API; family:due, family:route:{case}:{message}
--   and family:sender:{id} through paging's, lib/paging_family_route.lua; page:{id} and
--   outbox:notify through paging's page creation, lib/paging_page_create.lua; the router's
--   wake-up on outbox:escalation: the message, its entry, its routing and its answer are
--   written together: lib/family_message_add.lua, shared with the contact form).
-- ARGV: 1 h (the sender's number as common::phone_key_hash), 2 now (domain ms), 3 text,
--   4 urgent ('1' or ''), 5 messages per number per window, 6 the window (ms),
--   7 messages kept per case, 8 via ('sms'), 9 the answer's page id, 10 the sender's number
--   (E.164: the answer's address), 11 the answer "your casemanager", 12 the answer "the
--   casemanager on duty", 13 answers per number per window (ARGV 6), 14 answers to numbers of
--   no open case per window, all such numbers together, 15 outbox due (transport ms),
--   16 the repeat window (ms): the same text from the same number within it is a repeat,
--   17 how long the number is kept for the "received" answer (ms)
-- Reply: {'collision'} (the page id is taken: nothing written, pick another)
--   | {'repeat'} (the same text from the same number within the repeat window, stored
--   before — Kannel's retry after a lost response: nothing written, nothing answered)
--   | {outcome, answer, notify payload ('' none), then per case (at most 3): case id, message
--   id (F{n}, '' when the case holds its maximum already), the sender's role, '1' when the
--   case's casemanager is assigned and not absent now else '0'}
--   outcome: 'unknown' (no open case has a person with this number: nothing stored, not
--   routed) | 'limited' (over the number's rate: nothing more stored) | 'stored'
--   answer: 'own' | 'duty' (ARGV 11 or 12 sent: page:{ARGV 9}) | 'suppressed' (over the
--   answers' rate: nothing sent)
--
-- The answer is a page (rule family_reply, information: no reply code, no person) to the
-- number that wrote, sent by notify like any other: "your casemanager" only for a stored
-- message of a person who is no perpetrator of any case found, whose first case's
-- casemanager is assigned and not absent; every other number, known or not, gets ARGV 12
-- byte for byte. Its outbox entry is due at once (ARGV 15): inbound has no notify sender;
-- every notify sender's sweep (dispatch's, piket-cases') takes it.
-- The index (family:phone:{h}) is written by ingest (lib/family_phone_index.lua); an entry
-- of a case joined into another is followed to the survivor, one of a closed case dropped.
-- The text is stored only in case:{id}:family; the timeline entry (piket-cases' store API,
-- in the same script: no message without its entry) names the message, never its text.
-- The number is stored only in the answer's page and, unless the sender is a perpetrator,
-- in family:sender:{ARGV 9} for the one "received" answer (dispatch_family_step.lua).
-- piket-dispatch's family router pages for it from family:due, woken by the message
-- 'family:{ARGV 9}' on the escalation outbox.
--#include "lib/family_message_add.lua"
--#include "lib/paging_page_create.lua"
local h, now = ARGV[1], tonumber(ARGV[2])
local pid = ARGV[9]
if piket_page_taken('', '', pid) then return {'collision'} end
local seen = 'family:seen:' .. redis.sha1hex(h .. '|' .. ARGV[4] .. '|' .. ARGV[3])
if redis.call('EXISTS', seen) == 1 then return {'repeat'} end
local window = tonumber(ARGV[6])

-- The answer: one page to the number, within the answers' rate (per number; and for numbers
-- of no open case also all together, so that strangers cannot make piket send without bound).
-- The shared count is looked at first (once spent, nothing is kept per number) and counts
-- only what is sent (one number over its own rate does not spend it for the others).
local function answer(which, unrouted)
  local all = 'family:replies:unrouted'
  if unrouted and tonumber(redis.call('HGET', all, 'n') or '0') >= tonumber(ARGV[14]) then
    return 'suppressed', ''
  end
  local per = 'family:replies:' .. h
  local n = redis.call('HINCRBY', per, 'n', 1)
  if n == 1 then redis.call('PEXPIRE', per, window) end
  if n > tonumber(ARGV[13]) then return 'suppressed', '' end
  if unrouted and redis.call('HINCRBY', all, 'n', 1) == 1 then
    redis.call('PEXPIRE', all, window)
  end
  local payload = piket_create_page({id = pid, person = '', ack_code = '', to = ARGV[10],
    text = which == 'own' and ARGV[11] or ARGV[12], incident = '', case = '',
    rule = 'family_reply', now = ARGV[2], due = ARGV[15], code_ttl = '0',
    step = 'family_reply|' .. pid})
  return which, payload
end

local idx = 'family:phone:' .. h
local flat = redis.call('HGETALL', idx)
local cases, seen_case = {}, {}
for i = 1, #flat, 2 do
  local id, state = flat[i], nil
  for _ = 1, 5 do
    local c = redis.call('HMGET', 'case:' .. id, 'state', 'merged_into')
    state = c[1]
    if state == 'merged' and c[2] then id = c[2] else break end
  end
  if state == 'open' then
    if not seen_case[id] and #cases < 3 then
      seen_case[id] = true
      table.insert(cases, {id = id, role = flat[i + 1]})
    end
  elseif state ~= 'merged' then
    redis.call('HDEL', idx, flat[i])
  end
end
if #cases == 0 then
  local which, payload = answer('duty', true)
  return {'unknown', which, payload}
end
local rate = 'family:rate:' .. h
local n = redis.call('HINCRBY', rate, 'n', 1)
if n == 1 then redis.call('PEXPIRE', rate, window) end
if n > tonumber(ARGV[5]) then
  local which, payload = answer('duty', false)
  return {'limited', which, payload}
end
redis.call('SET', seen, '1', 'PX', ARGV[16])
local perpetrator = false
for _, c in ipairs(cases) do
  if c.role == 'perpetrator' then perpetrator = true end
end
local sender = ''
if not perpetrator then sender = pid end
local urgent = ARGV[4] == '1'
local out = {}
local routed = false
for _, c in ipairs(cases) do
  local mid, own = piket_family_message_add(c.id, c.role, now, ARGV[3], urgent, ARGV[8],
                                             tonumber(ARGV[7]), sender)
  if mid ~= '' then routed = true end
  table.insert(out, c.id)
  table.insert(out, mid)
  table.insert(out, c.role)
  table.insert(out, own)
end
local first = out[2] ~= '' and out[4] == '1' and not perpetrator
local which, payload = answer(first and 'own' or 'duty', false)
if routed then
  if sender ~= '' then piket_family_sender_put(pid, ARGV[10], ARGV[17]) end
  piket_family_wake_message('family:' .. pid, {reason = 'family'}, ARGV[15])
end
local reply = {'stored', which, payload}
for _, v in ipairs(out) do table.insert(reply, v) end
return reply
