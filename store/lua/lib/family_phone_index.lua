-- family_phone_index (lib): piket_family_phones_add(case_id, entries), the family contact index
-- Owner: piket-inbound (the family contact channel, store/family_contact.hpp). For each
-- "<h>:<role>" in `entries` (space-separated; h = common::phone_key_hash of a person's
-- normalised number, role the person's role in the incident) sets family:phone:{h}'s field
-- case_id to the role, so that an SMS from that number finds the case. This is inbound's
-- store API for ingest, which calls it in its acceptance script (ingest_accept.lua) because
-- the incident and the index of its persons' numbers must be written together (atomicity).
-- A closed or merged case's entry is dropped by the lookup (inbound_family_message.lua).
local function piket_family_phones_add(case_id, entries)
  for h, role in string.gmatch(entries or '', '(%x+):([%a_]+)') do
    redis.call('HSET', 'family:phone:' .. h, case_id, role)
  end
end
