#!lua
-- ingest_accept: accepts one incident atomically (RedisIncidentStore::store, services/ingest)
-- Typed: piket/store/ingest_scripts.hpp (IngestAcceptArgs, IngestAcceptReply).
-- KEYS: none (idem:{partner}:{reference}, incident:{id}; through the included
--   owners' functions: household:, case:{id} and its :incidents, :timeline,
--   :ban, cases:open, returns:{region}, outbox:dispatch:due/data, deadlines:due)
-- ARGV: 1 partner, 2 reference, 3 stored_hash, 4 incident id candidate,
--   5 case id candidate, 6 kind, 7 region, 8 household, 9 reported_at ms,
--   10 accepted_at ms (domain), 11 stored body JSON, 12 ban start ms or '',
--   13 ban end ms or '', 14 outbox due ms (transport), 15 household link ms
--   (how long after closing a case still links a returning family), 16 ban
--   start's UTC offset (minutes) or '', 17 ban end's offset or '', 18 the persons' numbers
--   for the family contact index ("<h>:<role>" space-separated, store/family_contact.hpp;
--   written through inbound's store API, lib/family_phone_index.lua, for atomicity),
--   19 the persons' roles, once each, comma-separated ('' none; kept as incident:{id}
--   roles, read when a case is loaded: lib/cases_load_case.lua)
-- Reply: {'created', incident, case, dispatch payload {incident_id, case_id, kind, region}: the
--   kind lets dispatch's receiver take a code red first, the region lets dispatch read its
--   on-call people's caseloads with the incident} | {'replayed', incident, case}
--   | {'conflict', incident, case} | {'legacy', incident, case, stored body}
--   (accepted before stored_hash: the caller compares the body's known fields)
--   | {'collision'} (an id candidate is taken: pick new ones, run again)
--   | {'refused', code, field, ban first start ms or ''} (the ban rule)
--
-- Ingest owns idem: and incident:. The case record and its home ban
-- (piket-cases), the deadline engine's resync timer (piket-cases) and
-- dispatch's outbox are written only through their owners' functions
-- included below: ingest calls the owner's store API in the same script
-- because the incident, its case and what tells the others of it must be
-- durable together or not at all (atomicity) — a crash or a refusal leaves
-- none of it.
--
-- Everything that can refuse (idempotency, the ban rule) runs before the
-- first write: a refused request stores nothing and leaves the reference
-- free. The `#!lua` shebang (no flags: the script may write) makes Redis
-- refuse the whole script up front, with -OOM, when it is at maxmemory: an
-- incident is accepted whole or not at all (docs/data-model.md, "Memory
-- limit"). It must stay the file's first line.
--#include "lib/ban.lua"
--#include "lib/cases_open.lua"
--#include "lib/outbox_add.lua"
--#include "lib/deadline_resync.lua"
--#include "lib/family_phone_index.lua"
local partner, reference, stored_hash = ARGV[1], ARGV[2], ARGV[3]
local idem = 'idem:' .. partner .. ':' .. reference
local existing = redis.call('GET', idem)
if existing then
  local h = redis.call('HMGET', 'incident:' .. existing, 'stored_hash', 'case_id', 'body')
  if h[1] == stored_hash then return {'replayed', existing, h[2]} end
  if h[1] then return {'conflict', existing, h[2] or ''} end
  -- Accepted before stored_hash existed (its body_hash covered unknown fields
  -- too): the caller compares the stored body's known fields.
  return {'legacy', existing, h[2] or '', h[3] or ''}
end
local id = ARGV[4]
if redis.call('EXISTS', 'incident:' .. id) == 1 then return {'collision'} end
local accepted = tonumber(ARGV[10])
-- The household's latest case: open (the incident joins it), merged into
-- another (followed), or closed (a new case, linked to it while the link
-- lasts: a returning family).
local case_id, previous, ban_fields = piket_case_of_household(partner, ARGV[8], accepted,
                                                              tonumber(ARGV[15]), PIKET_BAN_FIELDS)
-- The case's home ban with this incident applied; refused before any write.
local ban_incident = {id = id, kind = ARGV[6], starts = tonumber(ARGV[12]),
  starts_off = tonumber(ARGV[16]), ends = tonumber(ARGV[13]), ends_off = tonumber(ARGV[17]),
  reported = tonumber(ARGV[9])}
local ban_kind = ARGV[6] == 'home_ban' or ARGV[6] == 'home_ban_extended' or
                 ARGV[6] == 'home_ban_lifted'
local ban_before = nil
if case_id then ban_before = piket_ban_of(ban_fields) end
local ban_after = ban_before
if ban_kind then
  local refused_code, refused_field
  ban_after, refused_code, refused_field = piket_ban_apply(ban_before, ban_incident, true)
  if refused_code then
    local first = ''
    if ban_before then first = string.format('%.0f', ban_before.first) end
    return {'refused', refused_code, refused_field, first}
  end
end
local new_case = '0'
if not case_id then
  case_id = ARGV[5]
  if not piket_case_open({id = case_id, region = ARGV[7], partner = partner,
                          household = ARGV[8], opened_at = ARGV[10], accepted = accepted,
                          previous = previous}) then
    return {'collision'}
  end
  new_case = '1'
end
local fields = {'partner', partner, 'reference', reference, 'kind', ARGV[6], 'region', ARGV[7],
  'reported_at', ARGV[9], 'accepted_at', ARGV[10], 'case_id', case_id, 'status', 'accepted',
  'body', ARGV[11], 'stored_hash', stored_hash, 'new_case', new_case, 'household', ARGV[8],
  'roles', ARGV[19] or ''}
if ARGV[12] ~= '' then
  for _, v in ipairs({'ban_starts_at', ARGV[12], 'ban_ends_at', ARGV[13], 'ban_starts_off',
                      ARGV[16], 'ban_ends_off', ARGV[17]}) do
    fields[#fields + 1] = v
  end
end
redis.call('HSET', 'incident:' .. id, unpack(fields))
if ban_kind and ban_after ~= ban_before then
  piket_ban_put('case:' .. case_id, ban_after, ban_incident, accepted)
end
local entry = {at = accepted, type = 'incident_accepted', incident = id, kind = ARGV[6],
  by = 'partner:' .. partner}
if new_case == '1' and previous then entry.previous_case = previous end
piket_case_add_incident(case_id, id, entry)
piket_family_phones_add(case_id, ARGV[18])
redis.call('SET', idem, id)
local payload = cjson.encode({incident_id = id, case_id = case_id, kind = ARGV[6], region = ARGV[7]})
piket_outbox_add('dispatch', id, payload, ARGV[14])
piket_deadline_resync(case_id, ARGV[10])
return {'created', id, case_id, payload}
