-- paging_page_create (lib): page creation, shared by every producer of pages
-- (dispatch's scripts, the deadline engine's firing script): the page hash,
-- its reply code and the notify outbox entry, in the producer's own script
-- (paging/page_script.hpp documents piket_page_taken and piket_create_page).
-- Owner: paging (page:{id}, ackcode:{person}:{code}); the notify message
-- through notify's outbox (lib/outbox_add.lua). This is paging's store API
-- for piket-cases' firing script (cases_fire.lua), which creates a step's
-- page in the same script as the step (atomicity: no step without its page,
-- no page twice).
-- Writes page:{id}, ackcode:{person}:{code}, outbox:notify:due/data (the message
-- {page_id, rank, person, created_at, info}; rank only when the producer gave one;
-- person, created_at and info are what notify's plan needs, so that notify plans
-- the page without reading it first: services/notify/include/piket/notify/page_message.hpp;
-- `expanded` = 1 when the producer expanded the page in its own script, p.expanded).
--#include "lib/outbox_add.lua"
local function piket_page_taken(person, ack_code, page_id)
  if ack_code == '' then return redis.call('EXISTS', 'page:' .. page_id) == 1 end
  -- One EXISTS for both keys: it counts those that exist.
  return redis.call('EXISTS', 'ackcode:' .. person .. ':' .. ack_code, 'page:' .. page_id) > 0
end
local function piket_create_page(p)
  -- The page hash in one HSET: its fields in the order they always had.
  local fields = {'incident', p.incident, 'case', p.case, 'person', p.person, 'to', p.to,
                  'text', p.text, 'rule', p.rule, 'state', 'queued', 'created_at', p.now,
                  'channel', 'sms', 'attempts', '0'}
  local function field(name, value)
    fields[#fields + 1] = name
    fields[#fields + 1] = value
  end
  if p.ack_code ~= '' then
    -- The reply code lives as long as the page can be answered (domain time:
    -- code_until; the key's TTL is the backstop) and no longer.
    redis.call('SET', 'ackcode:' .. p.person .. ':' .. p.ack_code, p.id, 'PX', p.code_ttl)
    field('ack_code', p.ack_code)
    field('code_until', tostring(tonumber(p.now) + tonumber(p.code_ttl)))
  else
    -- Information (paging/page_class.hpp): no reply code, nothing to answer.
    field('info', '1')
  end
  if p.step and p.step ~= '' then field('step', p.step) end
  -- Its line in a bundled SMS and its urgency (paging/sms_bundle.hpp).
  if p.brief and p.brief ~= '' then
    field('brief', p.brief)
    field('rank', p.rank or '50')
  end
  -- The producer's own fields on the page (p.more: name, value, …), last.
  for _, v in ipairs(p.more or {}) do fields[#fields + 1] = v end
  redis.call('HSET', 'page:' .. p.id, unpack(fields))
  -- The message carries the page's urgency: notify's receiver takes the most
  -- urgent first (paging::page_rank; a message without it ranks as an incident).
  local message = {page_id = p.id, person = p.person, created_at = tonumber(p.now), info = 0}
  if p.ack_code == '' then message.info = 1 end
  if p.rank and tonumber(p.rank) then message.rank = tonumber(p.rank) end
  -- Its deliveries made in the producer's script (lib/notify_expand_page.lua): notify
  -- only wakes a worker for it.
  if p.expanded then message.expanded = 1 end
  local payload = cjson.encode(message)
  piket_outbox_add('notify', p.id, payload, p.due)
  return payload
end
