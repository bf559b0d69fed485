-- family_message_add (lib): piket_family_message_add(case_id, from, now, text, urgent, via, case_max,
--   sender)
-- Owner: piket-inbound (the family contact channel, store/family_contact.hpp). Stores one
-- message of a family in case:{id}:family (at most case_max per case), its timeline entry
-- (piket-cases' store API; the entry names the message, never its text) and starts its
-- routing (paging's store API, family:due), together. This is inbound's store API for the
-- web's contact form (web_family_form_post.lua): a message by link is stored exactly as one
-- by SMS (inbound_family_message.lua).
-- sender: the family:sender:{id} that hears "received" once the message is acknowledged ('' or
-- nil: none — a perpetrator's number, or the form, which has no number).
-- The caller wakes the router (piket_family_wake_message) once the message is stored.
-- Returns the message id (F{n}; '' when the case holds case_max messages already) and '1'
-- when the case's casemanager is assigned and not absent at `now`, else '0'.
--#include "lib/cases_timeline.lua"
--#include "lib/paging_family_route.lua"
local function piket_family_message_add(case_id, from, now, text, urgent, via, case_max, sender)
  local fk = 'case:' .. case_id .. ':family'
  local mid = ''
  local seq = redis.call('HINCRBY', fk, 'seq', 1)
  if seq <= case_max then
    mid = 'F' .. seq
    redis.call('HSET', fk, mid, cjson.encode({at = now, urgent = urgent, via = via,
      from = from, text = text, state = 'open'}))
    piket_case_timeline_append(case_id, {at = now, type = 'family_message', message = mid,
      urgent = urgent, via = via, from = from})
    piket_family_route_start(case_id, mid, now, sender)
  else
    redis.call('HINCRBY', fk, 'seq', -1)
  end
  local own = '0'
  local cm = redis.call('HMGET', 'case:' .. case_id, 'casemanager')[1]
  if cm and cm ~= '' then
    local a = redis.call('HMGET', 'person:' .. cm .. ':absence', 'since', 'until')
    local since, till = tonumber(a[1]), tonumber(a[2])
    local absent = since and since <= now and (not till or now < till)
    if not absent then own = '1' end
  end
  return mid, own
end
