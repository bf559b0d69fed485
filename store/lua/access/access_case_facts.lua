-- access_case_facts: the facts the need-to-know rule reads about a case and its pages
-- (access/src/case_facts_reader.cpp)
--
-- KEYS: 1 case:{id}, 2 case:{id}:timeline. ARGV: 1 case id, 2 person or ''.
-- Returns {} for no case, else {region, casemanager, state, then per page:
-- id, person, state, rule, created_at, acknowledged_at, declined_at} ('' for
-- a missing field). Timeline lines are written by cjson and Boost.JSON, both
-- without spaces: a page is `"page":"P…"`; a note's text cannot forge one,
-- since its quotes are escaped, and the page hash must name this case anyway.
local c = redis.call('HMGET', KEYS[1], 'region', 'casemanager', 'state')
if not c[1] then return {} end
local out = {c[1], c[2] or '', c[3] or ''}
local seen = {}
for _, line in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  local id = string.match(line, '"page":"(P[0-9A-Z]+)"')
  if id and not seen[id] then
    seen[id] = true
    local p = redis.call('HMGET', 'page:' .. id, 'case', 'person', 'state', 'rule', 'created_at',
                         'acknowledged_at', 'declined_at')
    if p[1] == ARGV[1] and p[2] and (ARGV[2] == '' or p[2] == ARGV[2]) then
      for _, v in ipairs({id, p[2], p[3] or '', p[4] or '', p[5] or '', p[6] or '', p[7] or ''}) do
        out[#out + 1] = v
      end
    end
  end
end
return out
