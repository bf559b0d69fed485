#!lua
-- inbound_family_message: stores an SMS from a family in its open cases (issue 18)
-- Typed: piket/store/family_contact.hpp (FamilyMessageArgs, FamilyMessageReply).
-- KEYS: none (family:phone:{h}, family:rate:{h}, case:{id} (read), person:{id}:absence
--   (read), case:{id}:family; case:{id}:timeline through piket-cases' store API and
--   family:due through paging's, lib/paging_family_route.lua: the message, its entry and
--   its routing are written together: lib/family_message_add.lua).
-- ARGV: 1 h (the sender's number as common::phone_key_hash), 2 now (domain ms), 3 text,
--   4 urgent ('1' or ''), 5 messages per number per window, 6 the window (ms),
--   7 messages kept per case, 8 via ('sms')
-- Reply: {'unknown'} (no open case has a person with this number: nothing is stored)
--   | {'limited'} (over the number's rate: nothing more is stored)
--   | {'stored', then per case (at most 3): case id, message id (F{n}, '' when the case
--   holds its maximum already), the sender's role, '1' when the case's casemanager is
--   assigned and not absent now else '0'}
--
-- The index (family:phone:{h}) is written by ingest (lib/family_phone_index.lua); an entry
-- of a case joined into another is followed to the survivor, one of a closed case dropped.
-- The text is stored only in case:{id}:family; the timeline entry (piket-cases' store API,
-- in the same script: no message without its entry) names the message, never its text.
-- piket-dispatch's family router pages for it from family:due.
--#include "lib/family_message_add.lua"
local h, now = ARGV[1], tonumber(ARGV[2])
local idx = 'family:phone:' .. h
local flat = redis.call('HGETALL', idx)
local cases, seen = {}, {}
for i = 1, #flat, 2 do
  local id, state = flat[i], nil
  for _ = 1, 5 do
    local c = redis.call('HMGET', 'case:' .. id, 'state', 'merged_into')
    state = c[1]
    if state == 'merged' and c[2] then id = c[2] else break end
  end
  if state == 'open' then
    if not seen[id] and #cases < 3 then
      seen[id] = true
      table.insert(cases, {id = id, role = flat[i + 1]})
    end
  elseif state ~= 'merged' then
    redis.call('HDEL', idx, flat[i])
  end
end
if #cases == 0 then return {'unknown'} end
local rate = 'family:rate:' .. h
local n = redis.call('HINCRBY', rate, 'n', 1)
if n == 1 then redis.call('PEXPIRE', rate, ARGV[6]) end
if n > tonumber(ARGV[5]) then return {'limited'} end
local urgent = ARGV[4] == '1'
local out = {'stored'}
for _, c in ipairs(cases) do
  local mid, own = piket_family_message_add(c.id, c.role, now, ARGV[3], urgent, ARGV[8],
                                             tonumber(ARGV[7]))
  table.insert(out, c.id)
  table.insert(out, mid)
  table.insert(out, c.role)
  table.insert(out, own)
end
return out
