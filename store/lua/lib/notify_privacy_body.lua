-- notify_privacy_body (lib): piket_notify_case_privacy_body(case_id, page_id)
-- Owner: piket-notify (read only). What notify's privacy check (notify/privacy_guard.hpp)
-- looks for in a family message's page (issue 18; page step "family|F{n}|…"), which names
-- no incident: the body of the case's latest incident (its persons, summary) and the
-- message's text as `family_message`. Returns that JSON, or '' for any other page without
-- an incident (a deadline step: checked against the household only, as before).
local function piket_notify_case_privacy_body(case_id, page_id)
  local step = redis.call('HGET', 'page:' .. page_id, 'step') or ''
  local msg = string.match(step, '^family|(F%d+)|')
  if not msg then return '' end
  local doc = {}
  local latest = redis.call('LRANGE', 'case:' .. case_id .. ':incidents', -1, -1)[1]
  if latest then
    local body = redis.call('HGET', 'incident:' .. latest, 'body')
    if body then
      local ok, decoded = pcall(cjson.decode, body)
      if ok and type(decoded) == 'table' then doc = decoded end
    end
  end
  local m = redis.call('HGET', 'case:' .. case_id .. ':family', msg)
  if m then
    local ok, decoded = pcall(cjson.decode, m)
    if ok and type(decoded) == 'table' and decoded.text then doc.family_message = decoded.text end
  end
  return cjson.encode(doc)
end
