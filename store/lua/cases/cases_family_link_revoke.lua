-- cases_family_link_revoke: revokes a case's contact link for the family (issue 18)
-- Typed: piket/store/family_contact.hpp (case_family_link_key); services/cases/src/family_link.cpp.
-- KEYS: 1 case:{id}:family_link; family:link:{hash} (deleted); case:{id}:timeline through
--   lib/cases_timeline.lua.
-- ARGV: 1 case id, 2 now (domain ms), 3 by (person id)
-- Reply: the revoked link's id, or '' when the case had none (nothing changes).
--#include "lib/cases_timeline.lua"
local link = redis.call('HMGET', KEYS[1], 'hash', 'id')
if not link[1] then return '' end
redis.call('DEL', 'family:link:' .. link[1], KEYS[1])
piket_case_timeline_append(ARGV[1], {at = tonumber(ARGV[2]), type = 'family_link_revoked',
  by = ARGV[3], link = link[2]})
return link[2]
