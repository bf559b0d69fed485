-- cases_family_link_create: a case's contact link for the family, the old one revoked (issue 18)
-- Typed: piket/store/family_contact.hpp (FamilyLinkCreateArgs, FamilyLinkCreateReply);
-- services/cases/src/family_link.cpp.
-- KEYS: 1 case:{id} (read), 2 case:{id}:family_link, 3 family:link:{hash} (the new link);
--   family:link:{old hash} (the old one, deleted); case:{id}:timeline through
--   lib/cases_timeline.lua.
-- ARGV: 1 case id, 2 hash (SHA-256 hex of the secret; the secret itself is never stored),
--   3 link id (the hash's first 12 characters), 4 now (domain ms), 5 by (person id)
-- Reply: {'created', the replaced link's id or ''} | {'missing'} (no such case)
--   | {'closed'} (the case is closed or joined into another: no link)
--
-- At most one live link per case: making one deletes the one before it. A link opens only
-- the contact form of its case (web_family_form_post.lua), and only while the case is open.
--#include "lib/cases_timeline.lua"
local state = redis.call('HMGET', KEYS[1], 'state')[1]
if not state then return {'missing'} end
if state ~= 'open' then return {'closed'} end
local old = redis.call('HMGET', KEYS[2], 'hash', 'id')
if old[1] then redis.call('DEL', 'family:link:' .. old[1]) end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[3], 'case', ARGV[1], 'id', ARGV[3], 'created_at', ARGV[4], 'by', ARGV[5])
redis.call('HSET', KEYS[2], 'hash', ARGV[2], 'id', ARGV[3], 'created_at', ARGV[4], 'by', ARGV[5])
piket_case_timeline_append(ARGV[1], {at = tonumber(ARGV[4]), type = 'family_link_created',
  by = ARGV[5], link = ARGV[3], replaces = old[2] or nil})
return {'created', old[2] or ''}
